"""The knowledge-base pages: search, an entry with its history, the centre's editing,
proposals and their review."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from hotline.categories.models import Category
from hotline.core.errors import BadRequest, Conflict
from hotline.core.extensions import db
from hotline.core.pagination import PageQuery, paginate
from hotline.core.validation import invalid, validate
from hotline.grid.models import Unit
from hotline.knowledge import operations as knowledge
from hotline.knowledge.models import STATUSES, EntryContent, KnowledgeEntry
from hotline.web.forms import filled
from hotline.web.session import login_required

bp = Blueprint("knowledge", __name__, template_folder="templates")

FORM_FIELDS = (
    "title",
    "answer",
    "keywords",
    "category",
    "area_unit_id",
    "responsible_unit_id",
    "valid_from",
    "valid_until",
)


def _choices() -> dict[str, Any]:
    """What the entry form offers: categories (any level) and the areas and departments."""
    return {
        "categories": db.session.scalars(select(Category).where(Category.active).order_by(Category.code)).all(),
        "units": db.session.scalars(
            select(Unit).where(Unit.active, Unit.kind != "centre", Unit.level != "grid").order_by(Unit.path)
        ).all(),
    }


def _values_of(content: EntryContent) -> dict[str, str]:
    """An entry's (or proposal's) fields as the form shows them."""
    return {
        "title": content.title,
        "answer": content.answer,
        "keywords": content.keywords or "",
        "category": content.category.code if content.category else "",
        "area_unit_id": str(content.area_unit_id or ""),
        "responsible_unit_id": str(content.responsible_unit_id or ""),
        "valid_from": content.valid_from.isoformat() if content.valid_from else "",
        "valid_until": content.valid_until.isoformat() if content.valid_until else "",
    }


@bp.get("/knowledge")
@login_required
def search():
    args = {k: v for k, v in request.args.items() if v}
    error = None
    try:
        query = validate(knowledge.SearchQuery, args | {"per_page": "20"}, "查询参数")
        entries, page = paginate(knowledge.search(query, g.user), query)
    except BadRequest as exc:
        query = knowledge.SearchQuery()
        entries, page, error = [], {"total": 0, "page": 1, "pages": 0}, exc.message
    return render_template(
        "knowledge/search.html",
        entries=entries,
        page=page,
        query=query,
        args={k: v for k, v in args.items() if k != "page"},
        error=error,
        may_edit=knowledge.EDIT_KNOWLEDGE.allows(g.user),
        pending=knowledge.pending_count(g.user),
        statuses=STATUSES,
        **_choices(),
    )


@bp.route("/knowledge/new", methods=["GET", "POST"])
@login_required
def new_entry():
    knowledge.EDIT_KNOWLEDGE.require(g.user)
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        values = filled(*FORM_FIELDS, "note")
        try:
            entry = knowledge.create_entry(values | {"publish": "publish" in request.form}, g.user)
        except BadRequest as exc:
            errors = exc.fields or {"body": exc.message}
        else:
            flash(f"已保存知识条目「{entry.title}」（{entry.status_label}）", "success")
            return redirect(url_for("knowledge.entry", entry_id=entry.id))
    return render_template(
        "knowledge/form.html", mode="new", values=values, errors=errors, **_choices()
    ), 400 if errors else 200


@bp.get("/knowledge/<int:entry_id>")
@login_required
def entry(entry_id: int):
    found = knowledge.get_entry(entry_id, g.user)
    return render_template(
        "knowledge/entry.html",
        entry=found,
        versions=found.versions,
        may_edit=knowledge.EDIT_KNOWLEDGE.allows(g.user),
    )


@bp.route("/knowledge/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_entry(entry_id: int):
    knowledge.EDIT_KNOWLEDGE.require(g.user)
    found = knowledge.get_entry(entry_id, g.user)
    errors: dict[str, str] = {}
    values = _values_of(found) | {"version": str(found.version)}
    if request.method == "POST":
        values = filled(*FORM_FIELDS, "note", "version")
        try:
            knowledge.edit_entry(entry_id, values, g.user)
        except (BadRequest, Conflict) as exc:
            errors = getattr(exc, "fields", None) or {"body": exc.message}
        else:
            flash(f"已保存为第 {found.version} 版", "success")
            return redirect(url_for("knowledge.entry", entry_id=entry_id))
    return render_template(
        "knowledge/form.html", mode="edit", entry=found, values=values, errors=errors, **_choices()
    ), 400 if errors else 200


@bp.post("/knowledge/<int:entry_id>/status")
@login_required
def change_status(entry_id: int):
    status = request.form.get("status")
    if status != "published" and status != "retired":
        raise invalid("status", "应为发布或停用")
    try:
        found = knowledge.set_status(
            entry_id, "published" if status == "published" else "retired", filled("version", "note"), g.user
        )
    except (BadRequest, Conflict) as exc:
        flash(exc.message, "error")
    else:
        flash(f"条目已{found.status_label}（第 {found.version} 版）", "success")
    return redirect(url_for("knowledge.entry", entry_id=entry_id))


@bp.route("/knowledge/propose", methods=["GET", "POST"])
@login_required
def propose():
    knowledge.PROPOSE_KNOWLEDGE.require(g.user)
    base: KnowledgeEntry | None = None
    if request.values.get("entry_id", "").isdigit():
        base = knowledge.get_entry(int(request.values["entry_id"]), g.user)
    errors: dict[str, str] = {}
    values = _values_of(base) if base else {}
    if request.method == "POST":
        values = filled(*FORM_FIELDS, "reason", "entry_id")
        try:
            proposal = knowledge.propose(values, g.user)
        except BadRequest as exc:
            errors = exc.fields or {"body": exc.message}
        else:
            flash("建议已提交，热线中心审核后会在「知识库建议」中给出结果", "success")
            return redirect(url_for("knowledge.proposals", status="all", mine=proposal.id))
    return render_template(
        "knowledge/form.html", mode="propose", entry=base, values=values, errors=errors, **_choices()
    ), 400 if errors else 200


@bp.get("/knowledge/proposals")
@login_required
def proposals():
    status = request.args.get("status", "pending")
    listed = validate(PageQuery, {"page": request.args.get("page", "1"), "per_page": "20"}, "查询参数")
    found, page = paginate(knowledge.proposals(g.user, None if status == "all" else status), listed)
    return render_template(
        "knowledge/proposals.html",
        proposals=found,
        page=page,
        status=status,
        may_review=knowledge.EDIT_KNOWLEDGE.allows(g.user),
    )


@bp.post("/knowledge/proposals/<int:proposal_id>/review")
@login_required
def review(proposal_id: int):
    try:
        proposal = knowledge.review(proposal_id, filled("decision", "note"), g.user)
    except (BadRequest, Conflict) as exc:
        flash(exc.message, "error")
    else:
        flash(f"建议{proposal.status_label}", "success")
    return redirect(url_for("knowledge.proposals"))
