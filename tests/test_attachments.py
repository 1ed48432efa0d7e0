"""Photos: only real JPEG/PNG/WebP/HEIC within limits, GPS read and then every piece of
metadata stripped, a photo's GPS placing an appeal that had no pin, thumbnails made by a
job, files served only to those who may see the appeal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from tests.helpers import STREET, STREET_HANDLER, ApiClient, Browser

GRID_POINT = (41.88, 123.32)  # 民主社区第一网格


def dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4)


def jpeg_with_metadata(lat: float | None = None, lon: float | None = None, orientation: int = 1) -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    image.putpixel((0, 0), (0, 0, 255))
    exif = Image.Exif()
    exif[0x010F] = "SecretPhoneMaker"
    exif[0x0112] = orientation
    if lat is not None:
        exif[0x8825] = {1: "N", 2: dms(lat), 3: "E", 4: dms(lon)}
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), icc_profile=icc)
    return out.getvalue()


def encoded(fmt: str, size=(40, 30), **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 60)).save(out, fmt, **options)
    return out.getvalue()


def upload(api, ref, data: bytes, kind: str, user: str, name: str = "photo.jpg", expect: int = 201):
    resp = api.client.post(
        f"/api/v1/appeals/{ref}/attachments",
        data={"file": (io.BytesIO(data), name), "kind": kind},
        headers={"Authorization": f"Bearer {api.token(user)}"},
        content_type="multipart/form-data",
    )
    api.check_against_spec("POST", f"/api/v1/appeals/{ref}/attachments", resp)
    assert resp.status_code == expect, resp.get_json()
    return resp.get_json()


def stored(app, attachment_id: int) -> Path:
    from hotline.appeals.attachments import storage
    from hotline.appeals.attachments.models import Attachment
    from hotline.core.extensions import db

    with app.app_context():
        return storage.path_of(db.session.get(Attachment, attachment_id).storage_key)


def test_metadata_is_stripped_and_gps_places_an_appeal_without_a_pin(api):
    appeal = api.create(lat=None, lon=None, address=None)
    assert api.get(f"/api/v1/appeals/{appeal['id']}/routing", "dispatcher").get_json()["place"]["grid"] is None
    photo = upload(api, appeal["id"], jpeg_with_metadata(*GRID_POINT, orientation=6), "report", "operator")
    assert photo["gps"] == pytest.approx(list(GRID_POINT), abs=1e-5)
    assert (photo["width"], photo["height"]) == (48, 64)  # the EXIF orientation was applied
    clean = Image.open(stored(api.app, photo["id"]))
    assert clean.format == "JPEG" and dict(clean.getexif()) == {} and "icc_profile" not in clean.info
    assert b"SecretPhoneMaker" not in stored(api.app, photo["id"]).read_bytes()
    after = api.appeal(appeal["id"])
    assert (after["lat"], after["lon"]) == pytest.approx(GRID_POINT, abs=1e-5)
    assert (
        api.get(f"/api/v1/appeals/{appeal['id']}/routing", "dispatcher").get_json()["place"]["grid"]["code"]
        == "210102001001001"
    )
    event = after["events"][-1]
    assert event["action"] == "attach" and event["payload"]["located_from_photo"]["grid_id"]
    assert after["version"] == appeal["version"] + 1
    # An appeal that has its place keeps it.
    placed = api.create()
    upload(api, placed["id"], jpeg_with_metadata(41.75, 123.47), "report", "operator")
    assert api.appeal(placed["id"])["lat"] == placed["lat"]


def test_png_webp_and_heic_are_accepted_heic_stored_as_jpeg(api):
    appeal = api.create()
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "张三 13800000000")
    png = upload(api, appeal["id"], encoded("PNG", pnginfo=info), "report", "operator", "a.png")
    assert png["content_type"] == "image/png" and b"13800000000" not in stored(api.app, png["id"]).read_bytes()
    webp = upload(api, appeal["id"], encoded("WEBP"), "report", "operator", "b.webp")
    assert webp["content_type"] == "image/webp"
    heic = upload(api, appeal["id"], encoded("HEIF"), "report", "operator", "IMG_0001.HEIC")
    assert heic["content_type"] == "image/jpeg" and Image.open(stored(api.app, heic["id"])).format == "JPEG"


@pytest.mark.parametrize(
    "data,name,message",
    [
        (b"%PDF-1.7 not a picture", "photo.jpg", "不是可识别的图片"),
        (b"", "empty.jpg", "文件为空"),
        (encoded("GIF"), "anim.jpg", "不支持 GIF 格式"),
        (encoded("BMP"), "photo.png", "不支持 BMP 格式"),
        (encoded("JPEG")[:200], "cut.jpg", "图片已损坏"),
    ],
)
def test_content_decides_not_the_file_name(api, data, name, message):
    appeal = api.create()
    error = upload(api, appeal["id"], data, "report", "operator", name, expect=400)["error"]
    assert message in error["fields"]["file"]
    assert api.get(f"/api/v1/appeals/{appeal['id']}/attachments", "operator").get_json()["items"] == []


def test_size_and_pixel_limits_refuse_bombs_before_decoding(sqlite_app, tmp_path):
    from tests.conftest import make_app

    app = make_app(
        sqlite_app.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path,
        HOTLINE_UPLOAD_MAX_BYTES=50_000,
        HOTLINE_UPLOAD_MAX_PIXELS=4_000_000,
    )
    api = ApiClient(app)
    appeal = api.create()
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, "PNG")  # 64 million pixels in a few kB
    bomb = out.getvalue()
    assert len(bomb) < 50_000
    error = upload(api, appeal["id"], bomb, "report", "operator", "bomb.png", expect=400)["error"]
    assert "像素过多" in error["fields"]["file"]
    big = encoded("PNG", size=(1500, 1500)) + b"\0" * 60_000
    assert "不能超过" in upload(api, appeal["id"], big, "report", "operator", "big.png", expect=400)["error"]["message"]


def test_thumbnails_are_made_by_a_job_and_files_served_only_to_who_may_see(api):
    appeal = api.appeal_in("handling")
    photo = upload(api, appeal["id"], encoded("JPEG", size=(1200, 900)), "before", STREET_HANDLER)
    with api.app.app_context():
        from sqlalchemy import select

        from hotline.core.extensions import db
        from hotline.outbox.models import OutboxMessage

        job = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "attachment.thumbnail")).one()
        assert job.payload == {"attachment_id": photo["id"]} and job.status == "done"  # made after the commit
    [listed] = api.get(f"/api/v1/appeals/{appeal['id']}/attachments", "dispatcher", expect=200).get_json()["items"]
    assert listed["thumbnail_url"] == f"/api/v1/attachments/{photo['id']}/thumbnail"  # the job ran after commit
    thumb = api.get(listed["thumbnail_url"], "dispatcher", expect=200)
    assert thumb.headers["Content-Type"] == "image/jpeg" and max(Image.open(io.BytesIO(thumb.data)).size) == 320
    full = api.get(listed["url"], STREET_HANDLER, expect=200)
    assert full.headers["Cache-Control"] == "private, no-store" and len(full.data) == listed["size"]
    assert api.get(listed["url"], "u210103001", expect=404)  # a unit that never had the appeal
    assert api.request("GET", listed["url"], expect=401)
    assert api.app.test_client().get(f"/static/{Path(stored(api.app, photo['id'])).name}").status_code == 404


def test_who_may_upload_what(api):
    appeal = api.appeal_in("handling")
    image = encoded("JPEG")
    assert upload(api, appeal["id"], image, "progress", STREET_HANDLER)["kind_label"] == "办理过程"
    assert upload(api, appeal["id"], image, "report", STREET_HANDLER, expect=403)
    assert upload(api, appeal["id"], image, "report", "visitor", expect=403)
    assert upload(api, appeal["id"], image, "after", "u210103001", expect=404)
    assert "kind" in upload(api, appeal["id"], image, "selfie", STREET_HANDLER, expect=400)["error"]["fields"]
    closed = api.appeal_in("evaluated")
    assert upload(api, closed["id"], image, "after", f"u{STREET}", expect=403)  # closed: no more photos
    assert upload(api, closed["id"], image, "report", "operator", expect=403)


def test_upload_and_gallery_on_the_appeal_page(sqlite_app):
    appeal = ApiClient(sqlite_app).appeal_in("handling")
    browser = Browser(sqlite_app, STREET_HANDLER)
    page = browser.get(f"/appeals/{appeal['id']}")
    resp = browser.client.post(
        f"/appeals/{appeal['id']}/attachments",
        content_type="multipart/form-data",
        data={
            "csrf_token": Browser.csrf(page),
            "kind": "after",
            "note": "已清理",
            "file": (io.BytesIO(jpeg_with_metadata(*GRID_POINT)), "done.jpg"),
        },
    )
    assert resp.status_code == 302
    page = browser.get(f"/appeals/{appeal['id']}")
    assert "已上传办理后照片" in page and "data-attachment=" in page and "/thumbnail" in page
    resp = browser.client.post(
        f"/appeals/{appeal['id']}/attachments",
        content_type="multipart/form-data",
        data={"csrf_token": Browser.csrf(page), "kind": "after", "file": (io.BytesIO(b"not an image"), "x.jpg")},
    )
    assert "不是可识别的图片" in browser.get(resp.headers["Location"])


def test_the_reply_takes_its_before_and_after_photos_in_one_step(sqlite_app):
    """The handler's reply form takes 办理前 and 办理后 photos with the reply: one transaction,
    so a refused picture leaves neither the reply nor any photo (nor a stored file)."""
    from hotline.appeals.attachments import storage

    api = ApiClient(sqlite_app)
    appeal = api.appeal_in("handling")
    browser = Browser(sqlite_app, STREET_HANDLER)
    page = browser.get(f"/appeals/{appeal['id']}")
    assert 'name="photos_before"' in page and 'enctype="multipart/form-data"' in page
    reply = {"csrf_token": Browser.csrf(page), "version": str(appeal["version"]), "result": "已清理路面积水",
             "resolved": "解决", "public_reply": "积水已清理。"}  # fmt: skip

    def files() -> set[Path]:
        with sqlite_app.app_context():
            return {path for path in storage.root().rglob("*") if path.is_file()}

    files_before = files()

    refused = browser.client.post(
        f"/appeals/{appeal['id']}/actions/reply",
        content_type="multipart/form-data",
        data=reply
        | {
            "photos_before": [(io.BytesIO(encoded("JPEG")), "a.jpg")],
            "photos_after": [(io.BytesIO(b"not an image"), "b.jpg")],
        },
    )
    assert refused.status_code == 400 and "不是可识别的图片" in refused.get_data(as_text=True)
    assert api.appeal(appeal["id"])["state"] == "handling"
    assert api.get(f"/api/v1/appeals/{appeal['id']}/attachments", STREET_HANDLER).get_json()["items"] == []
    assert files() == files_before  # the picture that passed was not kept either

    done = browser.client.post(
        f"/appeals/{appeal['id']}/actions/reply",
        content_type="multipart/form-data",
        data=reply
        | {
            "photos_before": [(io.BytesIO(encoded("JPEG")), "a.jpg"), (io.BytesIO(encoded("PNG")), "b.png")],
            "photos_after": [(io.BytesIO(jpeg_with_metadata()), "c.jpg")],
        },
    )
    assert done.status_code == 302
    replied = api.appeal(appeal["id"])
    assert replied["state"] == "replied" and replied["version"] == appeal["version"] + 1  # one change
    photos = api.get(f"/api/v1/appeals/{appeal['id']}/attachments", STREET_HANDLER).get_json()["items"]
    assert sorted(p["kind_label"] for p in photos) == ["办理前", "办理前", "办理后"]
    assert all(stored(sqlite_app, p["id"]).is_file() for p in photos)


def test_the_centre_chooses_which_site_photos_the_citizen_sees(sqlite_app):
    """办理前/办理后 photos stay with the staff until the centre makes one public (on the
    appeal page or by the API): then the tracking page shows it to the holder of the
    receipt, and stops when the centre withdraws it; other kinds are never public, and
    units cannot publish."""
    import re
    from html import unescape

    from hotline.appeals.models import Appeal
    from hotline.core.extensions import db

    api = ApiClient(sqlite_app)
    appeal = api.appeal_in("handling")
    before = upload(api, appeal["id"], encoded("JPEG"), "before", STREET_HANDLER)
    after = upload(api, appeal["id"], encoded("PNG"), "after", STREET_HANDLER)
    progress = upload(api, appeal["id"], encoded("JPEG"), "progress", STREET_HANDLER)
    assert not before["public"]
    with sqlite_app.app_context():
        found = db.session.get(Appeal, appeal["id"])
        track = f"/track?number={found.number}&query_code={found.query_code}"
    citizen = sqlite_app.test_client()

    def shown() -> list[str]:
        page = citizen.get(track).get_data(as_text=True)
        section = page.split("data-site-photos", 1)[1] if "data-site-photos" in page else ""
        return [unescape(u) for u in re.findall(r'<img src="(/track/photos/\d+\?[^"]+)"', section)]

    assert shown() == []
    refused = api.post(f"/api/v1/attachments/{before['id']}/public", STREET_HANDLER, json={"public": True}, expect=403)
    assert "派单员或督办员" in refused.get_json()["error"]["message"]
    not_site = api.post(f"/api/v1/attachments/{progress['id']}/public", "dispatcher", json={"public": True}, expect=409)
    assert "只有办理前、办理后照片可以向市民公开" in not_site.get_json()["error"]["message"]

    published = api.post(f"/api/v1/attachments/{after['id']}/public", "dispatcher", json={"public": True})
    assert published.get_json()["public"] is True
    dispatcher = Browser(sqlite_app, "dispatcher")
    page = dispatcher.get(f"/appeals/{appeal['id']}")
    assert "市民可见" in page and "向市民公开" in page and "撤回公开" in page
    dispatcher.submit(f"/appeals/{appeal['id']}/attachments/{before['id']}/public", f"/appeals/{appeal['id']}",
                      {"public": "1"})  # fmt: skip
    urls = shown()
    assert len(urls) == 2 and f"/track/photos/{before['id']}?" in urls[0]  # 办理前 first
    assert citizen.get(urls[0]).status_code == 200
    assert "公开照片" in dispatcher.get(f"/appeals/{appeal['id']}")  # on the timeline

    api.post(f"/api/v1/attachments/{after['id']}/public", "dispatcher", json={"public": False})
    assert [u for u in shown() if f"/track/photos/{after['id']}?" in u] == []
    assert citizen.get(urls[1]).status_code == 404  # withdrawn: no longer served either
    assert citizen.get(f"/track/photos/{progress['id']}?" + track.split("?", 1)[1]).status_code == 404
