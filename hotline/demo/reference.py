"""Reference data of the demo centre: 辽宁省 → 沈阳市 → 和平区 / 沈河区 down to grids, the
departments, the 12345 centre, the category taxonomy and the accounts (DESIGN.md §8).

Tests load the same data, so the demo and the tests speak of the same units."""
from __future__ import annotations

from dataclasses import dataclass

from hotline.auth.operations import new_user
from hotline.extensions import db
from hotline.grid.models import Unit
from hotline.models import Category

CENTRE_CODE = "210100RX"
DEPARTMENTS = (("CG", "城管", "城市管理局"), ("ZJ", "住建", "住房和城乡建设局"),
               ("SJ", "市场监管", "市场监督管理局"), ("HB", "生态环境", "生态环境局"))

# district code, name, [(street name, [(community name, grid count)])]
DISTRICTS = [
    ("210102", "和平区", [
        ("太原街街道", [("民主社区", 3), ("北四社区", 2)]),
        ("南湖街道", [("文化社区", 3), ("三好社区", 2)]),
    ]),
    ("210103", "沈河区", [
        ("五里河街道", [("青年社区", 3), ("长青社区", 2)]),
        ("朱剪炉街道", [("朱剪炉社区", 3), ("风雨坛社区", 2)]),
    ]),
]
GRID_NUMERALS = "一二三四五六七八九"

# (code, name, dept_type hint) — level-1 and level-2 nodes carry no hint; leaves do.
CATEGORIES = [
    ("01", "城市管理", None), ("0101", "市容环境", None),
    ("010101", "占道经营", "城管"), ("010102", "乱堆乱放", "城管"), ("010103", "违规广告牌匾", "城管"),
    ("0102", "市政设施", None),
    ("010201", "道路破损", "住建"), ("010202", "井盖缺失破损", "住建"), ("010203", "路灯不亮", "城管"),
    ("0103", "违法建设", None), ("010301", "私搭乱建", "城管"),
    ("02", "市场监管", None), ("0201", "食品安全", None),
    ("020101", "餐饮卫生", "市场监管"), ("020102", "过期变质食品", "市场监管"),
    ("0202", "消费维权", None),
    ("020201", "商品质量", "市场监管"), ("020202", "预付卡退费", "市场监管"), ("020203", "价格欺诈", "市场监管"),
    ("03", "住房保障", None), ("0301", "物业管理", None),
    ("030101", "物业服务", "住建"), ("030102", "电梯故障", "市场监管"),
    ("0302", "供暖", None), ("030201", "供暖温度不达标", "住建"), ("030202", "供暖停暖", "住建"),
    ("0303", "房屋质量", None), ("030301", "房屋漏水", "住建"),
    ("0304", "保障性住房", None), ("030401", "公租房申请", "住建"),
    ("04", "交通出行", None), ("0401", "公共交通", None),
    ("040101", "公交线路与站点", None), ("040102", "出租车服务", None),
    ("0402", "道路交通", None), ("040201", "违章停车", "城管"), ("040202", "交通信号灯故障", None),
    ("05", "生态环境", None), ("0501", "大气污染", None),
    ("050101", "餐饮油烟", "生态环境"), ("050102", "工地扬尘", "生态环境"),
    ("0502", "噪声污染", None), ("050201", "施工噪声", "生态环境"), ("050202", "社会生活噪声", "城管"),
    ("0503", "水污染", None), ("050301", "违法排污", "生态环境"),
    ("06", "社会保障", None), ("0601", "社会保险", None),
    ("060101", "养老保险", None), ("060102", "医保报销", None),
    ("0602", "劳动就业", None), ("060201", "拖欠工资", None),
    ("07", "教育", None), ("0701", "基础教育", None),
    ("070101", "入学咨询", None), ("070102", "校外培训", None),
    ("08", "医疗卫生", None), ("0801", "医疗服务", None),
    ("080101", "医疗纠纷", None), ("080102", "挂号就医", None),
    ("0802", "公共卫生", None), ("080201", "病媒生物防治", None),
    ("09", "营商环境", None), ("0901", "政务服务", None),
    ("090101", "办事效率", None), ("090102", "证照办理", "市场监管"),
    ("0902", "惠企政策", None), ("090201", "政策兑现", None),
    ("0903", "涉企执法", None), ("090301", "执法检查", None),
    ("10", "公用事业", None), ("1001", "供水", None),
    ("100101", "停水", "住建"), ("100102", "水质问题", "住建"),
    ("1002", "供电", None), ("100201", "停电", None),
    ("1003", "燃气", None), ("100301", "燃气安全", "住建"),
]


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    unit_code: str
    roles: tuple[str, ...]


CENTRE_ACCOUNTS = [
    Account("admin", "系统管理员", CENTRE_CODE, ("admin",)),
    Account("operator", "话务员小王", CENTRE_CODE, ("operator",)),
    Account("dispatcher", "派单员小李", CENTRE_CODE, ("dispatcher",)),
    Account("supervisor", "督办员老张", CENTRE_CODE, ("supervisor",)),
    Account("visitor", "回访员小刘", CENTRE_CODE, ("visitor",)),
]
# Area units above the street also supervise the units below them.
SUPERVISING_LEVELS = ("province", "city", "district")


def _add_unit(units: dict[str, Unit], code: str, name: str, level: str, parent: Unit | None,
              kind: str = "area", dept_type: str | None = None) -> Unit:
    unit = Unit(code=code, name=name, level=level, kind=kind, dept_type=dept_type,
                parent=parent, path=Unit.path_for(parent, code))
    db.session.add(unit)
    units[code] = unit
    return unit


def _add_departments(units: dict[str, Unit], area: Unit, prefix: str) -> None:
    for suffix, dept_type, title in DEPARTMENTS:
        _add_unit(units, f"{area.code}{suffix}", f"{prefix}{title}", area.level, area,
                  kind="department", dept_type=dept_type)


def build_units() -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    province = _add_unit(units, "210000", "辽宁省", "province", None)
    city = _add_unit(units, "210100", "沈阳市", "city", province)
    _add_unit(units, CENTRE_CODE, "沈阳市12345政务服务便民热线中心", "city", city, kind="centre")
    _add_departments(units, city, "沈阳市")
    for district_code, district_name, streets in DISTRICTS:
        district = _add_unit(units, district_code, district_name, "district", city)
        _add_departments(units, district, district_name)
        for s, (street_name, communities) in enumerate(streets, start=1):
            street = _add_unit(units, f"{district_code}{s:03d}", street_name, "street", district)
            for c, (community_name, grids) in enumerate(communities, start=1):
                community = _add_unit(units, f"{street.code}{c:03d}", community_name, "community", street)
                for n in range(1, grids + 1):
                    _add_unit(units, f"{community.code}{n:03d}",
                              f"{community_name}第{GRID_NUMERALS[n - 1]}网格", "grid", community)
    return units


def build_categories() -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for code, name, dept_type in CATEGORIES:
        level = len(code) // 2
        category = Category(code=code, name=name, level=level, dept_type=dept_type,
                            parent=categories.get(code[:-2]) if level > 1 else None)
        db.session.add(category)
        categories[code] = category
    return categories


def accounts_for(units: dict[str, Unit]) -> list[Account]:
    accounts = list(CENTRE_ACCOUNTS)
    for unit in units.values():
        if unit.kind == "centre":
            continue
        roles = ("handler", "supervisor") if unit.kind == "area" and unit.level in SUPERVISING_LEVELS else ("handler",)
        accounts.append(Account(f"u{unit.code}", f"{unit.name}承办人", unit.code, roles))
    return accounts


def load_reference_data(password_hash: str) -> dict[str, Unit]:
    """Add the organisation, taxonomy and accounts to the session; the caller commits.
    Every account gets the same password (hashed once: hashing is slow by design)."""
    units = build_units()
    build_categories()
    db.session.flush()
    for account in accounts_for(units):
        db.session.add(new_user(account.username, account.display_name, units[account.unit_code].id,
                                list(account.roles), password_hash=password_hash))
    return units
