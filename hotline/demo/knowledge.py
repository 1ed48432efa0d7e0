"""The demo centre's knowledge base (知识库): the answers its operators give most often.

Plausible 答复口径 written for the demo, in the shape real centres keep them (what to do,
where, with what, how long, whom to call); they are not any city's actual policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from hotline.auth.models import User
from hotline.categories.models import Category
from hotline.core.clock import now
from hotline.core.extensions import db
from hotline.core.fulltext import KNOWLEDGE
from hotline.grid.models import Unit
from hotline.knowledge.models import KnowledgeEntry, KnowledgeProposal, KnowledgeVersion


@dataclass(frozen=True)
class Entry:
    title: str
    keywords: str
    category: str | None  # category code
    answer: str
    area: str | None = None  # unit code: applies there only
    responsible: str | None = None  # unit code
    status: str = "published"
    valid_days: int | None = None  # valid until today + this many days


ENTRIES = [
    Entry("社保卡丢失如何挂失补办", "社保卡 丢了 补卡 挂失 社会保障卡", "0601",
          "社保卡丢失请先拨打12333或通过“辽事通”APP办理临时挂失，再携带本人身份证到任一社保卡服务网点或合作银行网点申请补卡，"
          "补卡工本费按规定收取，即时制卡网点可当场领取，其他网点约7个工作日领卡。"),
    Entry("养老保险缴费年限不满15年怎么办", "养老保险 缴费年限 15年 延长缴费 补缴", "060101",
          "达到法定退休年龄时累计缴费不足15年的，可以延长缴费至满15年，也可按规定申请转入城乡居民基本养老保险。"
          "请携带身份证到参保地社保经办机构咨询办理，具体以经办机构核定为准。"),
    Entry("养老保险关系如何转移接续", "转移 接续 跨省 调动 换工作 养老保险关系", "060101",
          "跨统筹地区就业的，由新参保地社保经办机构办理转移接续：参保人向新就业地经办机构提出申请（可通过国家社会保险公共服务平台"
          "或“掌上12333”APP线上申请），提供身份证和原参保地的参保缴费凭证，转出地和转入地经办机构在规定时限内完成转移。"),
    Entry("灵活就业人员如何参加职工养老保险", "灵活就业 个体 自由职业 养老保险 参保", "060101",
          "灵活就业人员可持身份证到户籍地或居住地社保经办机构办理参保登记，也可通过“辽事通”APP线上登记，"
          "缴费基数在规定的上下限之间自行选择，按月或按年缴纳。"),
    Entry("异地就医如何备案", "异地就医 备案 医保 外地 住院 结算", "060102",
          "参保人可通过“国家医保服务平台”APP、“辽事通”APP或到参保地医保经办窗口办理异地就医备案，"
          "备案后在已联网的定点医疗机构住院、门诊可直接结算；未备案的，出院后凭票据回参保地按规定报销。"),
    Entry("门诊慢特病待遇怎么申请", "慢病 特病 门诊 医保 申请 认定", "060102",
          "请携带身份证、近期病历及检查报告到定点医疗机构或医保经办窗口提交门诊慢特病认定申请，"
          "认定通过后在选定的定点医疗机构就医即可享受相应报销待遇。"),
    Entry("医保报销需要哪些材料", "医保 报销 材料 发票 手工报销", "060102",
          "零星报销一般需提供：身份证或社保卡、医疗费用发票原件、费用明细清单、出院小结（住院）及病历。"
          "请到参保地医保经办窗口提交，审核后报销款打入本人社保卡金融账户。"),
    Entry("被拖欠工资如何维权", "欠薪 工资 拖欠 讨薪 劳动监察 农民工", "060201",
          "可向用人单位所在地人力资源和社会保障局劳动保障监察机构投诉，需提供身份证、劳动合同或工资条、考勤记录等证据；"
          "也可向劳动人事争议仲裁委员会申请仲裁。农民工欠薪可拨打12345登记，由属地按欠薪线索快速处置。"),
    Entry("失业保险金如何申领", "失业金 失业保险 申领 离职", "0602",
          "非因本人意愿中断就业、已办理失业登记并有求职要求、失业前参保缴费满1年的，可通过“辽事通”APP或到就业服务窗口申领失业保险金，"
          "审核通过后按月发放。"),
    Entry("住房公积金如何提取", "公积金 提取 取公积金 租房提取 购房提取", None,
          "购房、租房、偿还住房贷款、离退休等情形可申请提取住房公积金。可通过住房公积金中心网上服务大厅、手机公积金APP或到管理部柜台办理，"
          "租房提取每年可办理一次，到账时间一般为1至3个工作日。"),
    Entry("公积金贷款额度怎么算", "公积金贷款 额度 贷款 买房", None,
          "公积金贷款额度与缴存余额、缴存时间、还款能力和房价等因素有关，并受最高限额限制。"
          "可登录住房公积金中心网站使用贷款试算功能，或携带身份证到管理部柜台咨询。"),
    Entry("户口迁入需要什么材料", "户口 迁入 落户 户籍 迁移", None,
          "落户类型不同所需材料不同，一般需提供身份证、户口簿、房屋所有权证明或单位接收证明等。"
          "请携带材料到拟落户地派出所户籍窗口办理，部分业务可在“辽事通”APP预约或网上申办。"),
    Entry("身份证丢失怎么补办", "身份证 丢了 补办 挂失 临时身份证", None,
          "身份证丢失可到户籍所在地或居住地派出所户籍窗口补领，补领时采集人像，工本费按规定收取，一般20个工作日内领取；"
          "急需使用的可同时申领临时居民身份证。"),
    Entry("新生儿如何落户", "新生儿 出生 落户 上户口 出生证明", None,
          "新生儿出生后一个月内，由监护人携带《出生医学证明》、父母双方身份证、户口簿、结婚证到户籍所在地派出所办理出生登记。"),
    Entry("小学入学报名时间和材料", "小学 入学 报名 一年级 学区 上学", "070101",
          "每年入学报名时间以教育局发布的招生公告为准，一般在5月至6月。需准备户口簿、房产证明或居住证明、儿童预防接种证等，"
          "在教育局招生平台网上报名，按学区划分对口入学。"),
    Entry("随迁子女如何在本地入学", "随迁子女 外地户口 借读 入学 居住证", "070101",
          "随迁子女入学一般需提供父母居住证、务工或经商证明、实际居住证明等，按照居住地所在学区申请，由教育局统筹安排学位。"),
    Entry("校外培训机构退费纠纷", "培训机构 退费 退款 补习班 课外班", "070102",
          "可先与培训机构协商；协商不成的，可向机构所在区教育局、市场监督管理局投诉，提供合同、缴费凭证和聊天记录等证据，"
          "涉及预付费的按预付式消费相关规定处理。"),
    Entry("暑期托管服务咨询", "暑期 托管 假期 看护 学生", "0701",
          "暑期托管由各区教育局组织学校自愿开展，具体开放学校、时间和报名方式以所在学校通知为准，可向孩子就读学校咨询。",
          valid_days=60),
    Entry("医院预约挂号渠道", "挂号 预约 医院 看病 号源", "080102",
          "可通过医院官方APP、微信公众号、“辽事通”APP或拨打医院预约电话挂号，部分号源在就诊前7天放出，退号请在就诊前按医院规定办理。"),
    Entry("供暖期起止时间", "供暖 供热 开栓 停暖 采暖期 什么时候供暖", "0302",
          "本市法定供暖期为每年11月1日至次年3月31日，遇气温异常将视情况提前或延长供暖，以市政府通知为准。",
          responsible="210100ZJ"),
    Entry("室温不达标如何处理", "供暖 温度 不热 室温 低 暖气不热", "030201",
          "供暖期内居室温度不低于18℃。室温不达标可先联系供热企业报修，企业应在规定时间内上门测温处置；"
          "企业不处理的，可拨打12345反映，由属地供热主管部门督办，经测温确认不达标的可按规定申请退费。",
          responsible="210100ZJ"),
    Entry("供热费缴纳和减免", "供热费 取暖费 缴费 减免 低保", "0302",
          "供热费可通过供热企业营业厅、银行代收或线上渠道缴纳。低保户、特困人员等困难群体可按规定申请采暖补贴，"
          "请携带相关证明到所在街道或社区咨询。", responsible="210100ZJ"),
    Entry("物业不作为如何投诉", "物业 不作为 服务差 物业费 物业公司", "030101",
          "可先向物业服务企业书面提出；不解决的，可向小区所在社区居委会、街道办事处反映，或向区住房和城乡建设局物业管理部门投诉，"
          "物业服务企业的服务质量纳入信用管理。", responsible="210100ZJ"),
    Entry("电梯故障困人怎么办", "电梯 困人 故障 被困 停运", "030102",
          "电梯困人请立即拨打电梯内张贴的应急救援电话或96333，保持冷静、不要扒门；电梯长期停运或频繁故障的，"
          "可向区市场监督管理局特种设备安全监察部门反映。"),
    Entry("维修资金如何使用", "维修资金 大修基金 公共维修 屋面 外墙", "0301",
          "住宅专项维修资金用于共用部位、共用设施设备保修期满后的维修更新。使用时由业主委员会或物业提出方案，"
          "经业主表决同意后，向区住建部门申请划拨。", responsible="210100ZJ"),
    Entry("公租房申请条件", "公租房 廉租房 保障房 申请 住房困难", "030401",
          "本市户籍、家庭收入和住房面积符合标准的家庭可申请公租房，新就业无房职工和外来务工人员符合条件的也可申请。"
          "请携带身份证、户口簿、收入证明到户籍所在街道提交申请。", responsible="210100ZJ"),
    Entry("公交线路调整咨询", "公交 线路 调整 站点 首末班", "040101",
          "公交线路和站点调整信息以交通运输部门和公交集团发布的公告为准，可拨打公交服务热线或在“盛京好公交”查询实时线路。"),
    Entry("违章停车如何举报", "违停 乱停车 占道 堵门 停车", "040201",
          "机动车违法停车可拨打12345或通过“随手拍”上传照片和位置，由属地城管或交警按职责处理；堵塞消防通道的请立即拨打119。"),
    Entry("居民区停车位紧张问题", "停车位 停车难 车位 小区停车", "040201",
          "小区内部停车由业主大会和物业依法管理；周边道路停车泊位的设置由交警和城管部门规划。"
          "可向街道、社区反映需求，由其协调施划或错时共享停车。"),
    Entry("夜间施工噪声扰民", "施工 噪音 夜间 扰民 工地 噪声", "050201",
          "夜间22时至次日6时禁止产生噪声污染的建筑施工作业，因抢修、抢险或生产工艺要求连续作业的须持有夜间施工证明并公告附近居民。"
          "无证夜间施工可拨打12345反映，由生态环境或城管部门查处。", responsible="210100HB"),
    Entry("广场舞和商铺噪音扰民", "广场舞 噪音 音响 商铺 喇叭 噪声", "050202",
          "社会生活噪声由城管部门和公安机关按职责处理：商铺使用高音广播喇叭招揽顾客的由城管处理，"
          "广场舞等公共场所活动噪声由属地街道协调、公安机关依法处理。", responsible="210100CG"),
    Entry("餐饮油烟扰民", "油烟 餐馆 饭店 烧烤 排烟", "050101",
          "排放油烟的餐饮服务业经营者应当安装油烟净化设施并正常使用；居民楼内禁止新建产生油烟的餐饮项目。"
          "油烟扰民可拨打12345反映，由生态环境部门会同城管部门处理。", responsible="210100HB"),
    Entry("预付卡商家跑路如何退费", "预付卡 跑路 退费 办卡 美容 健身", "020202",
          "请保存好合同、发票、付款记录，向商家所在地市场监督管理部门投诉或拨打12315；涉嫌诈骗的请向公安机关报案。"),
    Entry("网购商品质量问题投诉", "网购 质量 退货 假货 投诉 电商", "020201",
          "先与平台商家协商退换，协商不成可通过平台投诉，或向经营者所在地市场监督管理部门、全国12315平台投诉，提供订单和商品照片。"),
    Entry("营业执照如何办理", "营业执照 开公司 个体户 注册 企业登记", "090102",
          "个体工商户和企业可通过“辽宁省企业开办一网通办平台”线上申请营业执照，资料齐全的一般1个工作日内办结；"
          "也可到区政务服务中心市场监管窗口办理。", responsible="210100SJ"),
    Entry("惠企政策资金如何申报", "惠企 补贴 奖励 政策兑现 申报 企业", "090201",
          "惠企政策的申报条件、时间和材料以各主管部门发布的申报通知为准，可登录惠企政策平台查询“免申即享”和“即申即享”事项，"
          "或拨打12345企业服务专线咨询。"),
    Entry("停水通知查询", "停水 没水 计划停水 管网维修", "100101",
          "计划停水信息由供水企业提前在小区公告栏和官方渠道发布；突发停水请拨打供水企业服务热线报修，"
          "停水超过24小时的，供水企业应采取临时供水措施。"),
    Entry("家中停电如何报修", "停电 没电 跳闸 供电 报修", "100201",
          "请先检查家中总闸和电表箱是否跳闸；确认非户内原因的，拨打95598供电服务热线报修，计划停电信息可在“网上国网”APP查询。"),
    Entry("燃气泄漏应急处理", "燃气 煤气 泄漏 天然气 味道", "100301",
          "发现燃气泄漏请立即关闭燃气总阀，打开门窗通风，不要开关电器、不要使用明火和手机，撤离到室外后拨打燃气企业抢修电话或119。"),
    Entry("路灯不亮报修", "路灯 不亮 坏了 照明", "010203",
          "道路路灯不亮可拨打12345或通过“随手拍”上报路灯位置（附近门牌或灯杆编号），由城管部门路灯管理机构维修，一般3个工作日内修复。",
          responsible="210100CG"),
    Entry("占道经营和流动摊贩", "占道 摆摊 小商贩 早市 流动摊贩", "010101",
          "占道经营由属地街道和城管部门管理，可在“随手拍”上传位置和照片，城管部门核实后依法处置；早夜市设置以区政府公布的点位为准。",
          responsible="210100CG"),
    Entry("和平区便民早市点位", "早市 便民市场 点位 和平区", "010101",
          "和平区便民早市点位和开放时间以区政府公布的名单为准，每日5:00至8:00经营，收市后摊主应清理场地。",
          area="210102", responsible="210102CG"),
    Entry("沈河区老旧小区改造咨询", "老旧小区 改造 加装电梯 沈河区", "0301",
          "沈河区老旧小区改造计划由区住建部门每年公布，改造内容和时间以公示为准；加装电梯需本单元业主按规定表决同意后向街道提出申请。",
          area="210103", responsible="210103ZJ"),
    Entry("冬季清雪责任划分", "清雪 扫雪 积雪 冰雪 门前", "0101",
          "城市道路由环卫部门清雪，小区内部由物业负责，临街单位和商户负责门前责任区清雪；雪停后规定时限内完成清理。",
          status="draft"),
    Entry("疫情期间核酸检测点查询", "核酸 检测点 疫情", "0802",
          "核酸检测点信息以卫生健康部门公布为准。", status="retired"),
]  # fmt: skip


def load_demo_knowledge() -> int:
    """The entries above, each with its first version and in the search index, plus one
    change a street proposed for the centre to review."""
    at = now()
    today = at.date()
    editor = db.session.scalars(select(User).where(User.username == "dispatcher")).one()
    categories = dict(db.session.execute(select(Category.code, Category.id)).tuples().all())
    units = dict(db.session.execute(select(Unit.code, Unit.id)).tuples().all())
    made: list[KnowledgeEntry] = []
    for e in ENTRIES:
        entry = KnowledgeEntry(
            title=e.title,
            answer=e.answer,
            keywords=e.keywords,
            category_id=categories.get(e.category) if e.category else None,
            area_unit_id=units[e.area] if e.area else None,
            responsible_unit_id=units[e.responsible] if e.responsible else None,
            valid_until=today + timedelta(days=e.valid_days) if e.valid_days else None,
            status=e.status,
            version=1,
            created_at=at,
            created_by_id=editor.id,
            updated_at=at,
            updated_by_id=editor.id,
        )
        db.session.add(entry)
        made.append(entry)
    db.session.flush()
    for entry in made:
        db.session.add(
            KnowledgeVersion(
                entry_id=entry.id, version=1, status=entry.status, change="create", edited_at=at,
                edited_by_id=editor.id, title=entry.title, answer=entry.answer, keywords=entry.keywords,
                category_id=entry.category_id, area_unit_id=entry.area_unit_id,
                responsible_unit_id=entry.responsible_unit_id, valid_from=entry.valid_from,
                valid_until=entry.valid_until,
            )
        )  # fmt: skip
        KNOWLEDGE.put(db.session, entry.id, {"title": entry.title, "keywords": entry.keywords, "answer": entry.answer})
    street = db.session.scalars(select(User).where(User.username == "u210102001")).one()
    heating = next(e for e in made if e.title == "室温不达标如何处理")
    db.session.add(
        KnowledgeProposal(
            entry_id=heating.id, base_version=1, title=heating.title,
            answer=heating.answer + "测温可预约供热企业与社区共同入户，测温结果双方签字确认。",
            keywords=heating.keywords, category_id=heating.category_id,
            responsible_unit_id=heating.responsible_unit_id,
            reason="居民常问测温怎么约、结果谁认可，答复口径中没有", proposed_at=at,
            proposed_by_id=street.id, unit_id=street.unit_id, status="pending",
        )
    )  # fmt: skip
    return len(made)
