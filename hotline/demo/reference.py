"""Reference data of the demo centre: 辽宁省 → 沈阳市 → 和平区 / 沈河区 down to grids, the
departments, the 12345 centre, the category taxonomy and the accounts.

Tests load the same data, so the demo and the tests speak of the same units."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.auth.operations import new_user
from hotline.categories import lookup
from hotline.categories.models import Category
from hotline.core import revisions
from hotline.core.extensions import db
from hotline.grid.models import Unit

CENTRE_CODE = "210100RX"
DEPARTMENTS = (
    ("CG", "城管", "城市管理局"),
    ("ZJ", "住建", "住房和城乡建设局"),
    ("SJ", "市场监管", "市场监督管理局"),
    ("HB", "生态环境", "生态环境局"),
)

# district code, name, longitude span, [(street name, [(community name, grid count)])]. Streets
# split their district north/south, communities split their street west/east, grids split
# their community into bands: the polygons nest exactly.
CITY_LATITUDES = (41.70, 41.90)
DISTRICTS = [
    (
        "210102",
        "和平区",
        (123.30, 123.40),
        [
            ("太原街街道", [("民主社区", 3), ("北四社区", 2)]),
            ("南湖街道", [("文化社区", 3), ("三好社区", 2)]),
        ],
    ),
    (
        "210103",
        "沈河区",
        (123.40, 123.50),
        [
            ("五里河街道", [("青年社区", 3), ("长青社区", 2)]),
            ("朱剪炉街道", [("朱剪炉社区", 3), ("风雨坛社区", 2)]),
        ],
    ),
]
GRID_NUMERALS = "一二三四五六七八九"

# (code, name, dept_type hint) — level-1 and level-2 nodes carry no hint; leaves do.
CATEGORIES = [
    ("01", "城市管理", None),
    ("0101", "市容环境", None),
    ("010101", "占道经营", "城管"),
    ("010102", "乱堆乱放", "城管"),
    ("010103", "违规广告牌匾", "城管"),
    ("0102", "市政设施", None),
    ("010201", "道路破损", "住建"),
    ("010202", "井盖缺失破损", "住建"),
    ("010203", "路灯不亮", "城管"),
    ("0103", "违法建设", None),
    ("010301", "私搭乱建", "城管"),
    ("02", "市场监管", None),
    ("0201", "食品安全", None),
    ("020101", "餐饮卫生", "市场监管"),
    ("020102", "过期变质食品", "市场监管"),
    ("0202", "消费维权", None),
    ("020201", "商品质量", "市场监管"),
    ("020202", "预付卡退费", "市场监管"),
    ("020203", "价格欺诈", "市场监管"),
    ("03", "住房保障", None),
    ("0301", "物业管理", None),
    ("030101", "物业服务", "住建"),
    ("030102", "电梯故障", "市场监管"),
    ("0302", "供暖", None),
    ("030201", "供暖温度不达标", "住建"),
    ("030202", "供暖停暖", "住建"),
    ("0303", "房屋质量", None),
    ("030301", "房屋漏水", "住建"),
    ("0304", "保障性住房", None),
    ("030401", "公租房申请", "住建"),
    ("04", "交通出行", None),
    ("0401", "公共交通", None),
    ("040101", "公交线路与站点", None),
    ("040102", "出租车服务", None),
    ("0402", "道路交通", None),
    ("040201", "违章停车", "城管"),
    ("040202", "交通信号灯故障", None),
    ("05", "生态环境", None),
    ("0501", "大气污染", None),
    ("050101", "餐饮油烟", "生态环境"),
    ("050102", "工地扬尘", "生态环境"),
    ("0502", "噪声污染", None),
    ("050201", "施工噪声", "生态环境"),
    ("050202", "社会生活噪声", "城管"),
    ("0503", "水污染", None),
    ("050301", "违法排污", "生态环境"),
    ("06", "社会保障", None),
    ("0601", "社会保险", None),
    ("060101", "养老保险", None),
    ("060102", "医保报销", None),
    ("0602", "劳动就业", None),
    ("060201", "拖欠工资", None),
    ("07", "教育", None),
    ("0701", "基础教育", None),
    ("070101", "入学咨询", None),
    ("070102", "校外培训", None),
    ("08", "医疗卫生", None),
    ("0801", "医疗服务", None),
    ("080101", "医疗纠纷", None),
    ("080102", "挂号就医", None),
    ("0802", "公共卫生", None),
    ("080201", "病媒生物防治", None),
    ("09", "营商环境", None),
    ("0901", "政务服务", None),
    ("090101", "办事效率", None),
    ("090102", "证照办理", "市场监管"),
    ("0902", "惠企政策", None),
    ("090201", "政策兑现", None),
    ("0903", "涉企执法", None),
    ("090301", "执法检查", None),
    ("10", "公用事业", None),
    ("1001", "供水", None),
    ("100101", "停水", "住建"),
    ("100102", "水质问题", "住建"),
    ("1002", "供电", None),
    ("100201", "停电", None),
    ("1003", "燃气", None),
    ("100301", "燃气安全", "住建"),
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
# Area units above the grid also supervise the units below them.
SUPERVISING_LEVELS = ("province", "city", "district", "street", "community")


def rectangle(west: float, south: float, east: float, north: float) -> dict:
    w, s, e, n = (round(v, 6) for v in (west, south, east, north))
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def _split(low: float, high: float, parts: int, index: int) -> tuple[float, float]:
    step = (high - low) / parts
    return low + step * index, low + step * (index + 1)


def _add_unit(
    units: dict[str, Unit],
    code: str,
    name: str,
    level: str,
    parent: Unit | None,
    kind: str = "area",
    dept_type: str | None = None,
    boundary: dict | None = None,
) -> Unit:
    unit = Unit(
        code=code,
        name=name,
        level=level,
        kind=kind,
        dept_type=dept_type,
        parent=parent,
        path=Unit.path_for(parent, code),
        boundary=boundary,
    )
    db.session.add(unit)
    units[code] = unit
    return unit


def _add_departments(units: dict[str, Unit], area: Unit, prefix: str) -> None:
    for suffix, dept_type, title in DEPARTMENTS:
        _add_unit(
            units, f"{area.code}{suffix}", f"{prefix}{title}", area.level, area, kind="department", dept_type=dept_type
        )


def build_units() -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    province = _add_unit(units, "210000", "辽宁省", "province", None)
    city = _add_unit(units, "210100", "沈阳市", "city", province)
    _add_unit(units, CENTRE_CODE, "沈阳市12345政务服务便民热线中心", "city", city, kind="centre")
    _add_departments(units, city, "沈阳市")
    for district_code, district_name, (west, east), streets in DISTRICTS:
        district = _add_unit(units, district_code, district_name, "district", city)
        _add_departments(units, district, district_name)
        for s, (street_name, communities) in enumerate(streets):
            street = _add_unit(units, f"{district_code}{s + 1:03d}", street_name, "street", district)
            # The first street is the northern half.
            south, north = _split(*CITY_LATITUDES, len(streets), len(streets) - 1 - s)
            for c, (community_name, grids) in enumerate(communities):
                community = _add_unit(units, f"{street.code}{c + 1:03d}", community_name, "community", street)
                c_west, c_east = _split(west, east, len(communities), c)
                for n in range(grids):
                    g_south, g_north = _split(south, north, grids, grids - 1 - n)  # first grid northmost
                    _add_unit(
                        units,
                        f"{community.code}{n + 1:03d}",
                        f"{community_name}第{GRID_NUMERALS[n]}网格",
                        "grid",
                        community,
                        boundary=rectangle(c_west, g_south, c_east, g_north),
                    )
    return units


# What a report of some kinds should also say (served to Open311 clients as attributes).
QUESTIONS = {
    "010203": [
        {"code": "pole_number", "description": "灯杆编号（灯杆上的喷涂编号）", "datatype": "string", "order": 1},
        {
            "code": "lamps_out",
            "description": "不亮的路灯数量",
            "datatype": "singlevaluelist",
            "required": True,
            "order": 2,
            "values": [
                {"key": "one", "name": "1盏"},
                {"key": "few", "name": "2至5盏"},
                {"key": "many", "name": "整条路段"},
            ],
        },
    ],
    "010101": [
        {
            "code": "hours",
            "description": "占道经营时段（可多选）",
            "datatype": "multivaluelist",
            "order": 1,
            "values": [
                {"key": "morning", "name": "早市"},
                {"key": "daytime", "name": "白天"},
                {"key": "night", "name": "夜市"},
            ],
        },
    ],
    "050201": [
        {"code": "since", "description": "噪声开始时间", "datatype": "datetime", "order": 1},
        {"code": "decibels", "description": "自测分贝数（如有）", "datatype": "number", "order": 2},
    ],
}


def build_categories() -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for code, name, dept_type in CATEGORIES:
        level = len(code) // 2
        category = Category(
            code=code,
            name=name,
            level=level,
            dept_type=dept_type,
            questions=QUESTIONS.get(code, []),
            parent=categories.get(code[:-2]) if level > 1 else None,
        )
        db.session.add(category)
        categories[code] = category
    revisions.bump(lookup.REVISION)  # processes that keep the taxonomy load it again
    return categories


def accounts_for(units: dict[str, Unit]) -> list[Account]:
    accounts = list(CENTRE_ACCOUNTS)
    for unit in units.values():
        if unit.kind == "centre":
            continue
        roles = ("handler", "supervisor") if unit.kind == "area" and unit.level in SUPERVISING_LEVELS else ("handler",)
        accounts.append(Account(f"u{unit.code}", f"{unit.name}承办人", unit.code, roles))
    return accounts


# The demo 确责清单: (category, only in area, target kind, target level, dept type, priority, basis)
RULES = [
    ("0101", None, "area", "street", None, 1, "《沈阳市市容和环境卫生管理条例》：街道负责辖区市容环境日常管理"),
    ("0101", "210102", "department", "district", "城管", 1, "和平区试点：市容环境问题由区城市管理局统一执法"),
    ("010102", None, "area", "grid", None, 1, "乱堆乱放由网格员先行发现处置"),
    ("0102", None, "department", "district", "住建", 1, "市政道路、井盖由区住建部门养护"),
    ("010203", None, "department", "district", "城管", 1, "城市照明由区城市管理部门维护"),
    ("0103", None, "department", "district", "城管", 1, "违法建设由城管执法部门查处"),
    ("0103", None, "area", "street", None, 2, "街道负责违法建设的巡查发现与报告"),
    ("02", None, "department", "district", "市场监管", 1, "《市场监督管理行政处罚程序规定》"),
    ("0301", None, "area", "street", None, 1, "物业矛盾由街道、社区属地协调"),
    ("0301", None, "department", "district", "住建", 2, "物业服务企业由住建部门监管"),
    ("030102", None, "department", "district", "市场监管", 1, "电梯属特种设备，由市场监管部门监管"),
    ("0302", None, "department", "district", "住建", 1, "供热由住建部门监管"),
    ("0303", None, "area", "street", None, 1, "房屋漏水等相邻纠纷由街道属地协调"),
    ("0304", None, "department", "district", "住建", 1, "保障性住房由住建部门受理"),
    ("04", None, "area", "district", None, 1, "交通出行问题由区政府协调交通运输、公安交管部门"),
    ("040201", None, "area", "street", None, 1, "小区及背街小巷违停由街道属地治理"),
    ("05", None, "department", "district", "生态环境", 1, "《中华人民共和国环境保护法》"),
    ("050202", None, "area", "community", None, 1, "社会生活噪声由社区先行劝导"),
    ("050202", None, "area", "street", None, 2, "劝导无效的由街道协调处理"),
    ("06", None, "area", "district", None, 1, "社会保障事项由区人社部门办理"),
    ("07", None, "area", "district", None, 1, "基础教育由区教育部门负责"),
    ("08", None, "area", "district", None, 1, "医疗卫生由区卫健部门负责"),
    ("0802", None, "area", "street", None, 1, "病媒生物防治由街道组织实施"),
    ("09", None, "area", "district", None, 1, "营商环境问题由区营商环境建设部门牵头"),
    ("090102", None, "department", "district", "市场监管", 1, "经营主体登记由市场监管部门办理"),
    ("10", None, "department", "city", "住建", 1, "供水、燃气等公用事业由市住建部门监管"),
    ("1002", None, "area", "district", None, 1, "供电问题由区政府协调供电企业"),
]


def build_rules() -> None:
    from hotline.grid.models import ResponsibilityRule
    from hotline.grid.rules import RuleBody, resolve_rule

    for category, area, kind, level, dept_type, priority, basis in RULES:
        body = RuleBody(
            category=category,
            area=area,
            target_kind=kind,
            target_level=level,
            dept_type=dept_type,
            priority=priority,
            basis=basis,
        )
        db.session.add(ResponsibilityRule(**resolve_rule(body)))


def load_reference_data(password_hash: str) -> dict[str, Unit]:
    """Add the organisation, taxonomy, 确责清单 and accounts to the session; the caller
    commits. Every account gets the same password (hashed once: hashing is slow by design)."""
    units = build_units()
    build_categories()
    db.session.flush()
    build_rules()
    for account in accounts_for(units):
        db.session.add(
            new_user(
                account.username,
                account.display_name,
                units[account.unit_code].id,
                list(account.roles),
                password_hash=password_hash,
            )
        )
    return units
