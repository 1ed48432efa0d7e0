"""Default SMS texts (the migration seeds them; "reset" restores them)."""

TEMPLATES = {
    "sms.accepted": (
        "受理回执",
        "【12345】{{ citizen_name or '市民' }}您好，您反映的问题已受理，工单编号{{ number }}，"
        "查询码{{ query_code }}。我们将按时限办理并答复您。",
    ),
    "sms.replied": (
        "办理反馈",
        "【12345】您反映的「{{ title }}」（工单{{ number }}）办理结果：{{ public_reply }}"
        " 请评价：{{ track_url }} 如有疑问请致电12345，查询码{{ query_code }}。",
    ),
    "sms.visit_missed": (
        "回访未接通",
        "【12345】回访员多次就工单{{ number }}致电您未能接通。查看并评价办理结果：{{ track_url }}"
        " 如对办理结果有意见，请致电12345并提供查询码{{ query_code }}。",
    ),
    "sms.extended": (
        "延期办理",
        "【12345】您反映的「{{ title }}」（工单{{ number }}）因{{ reason }}需延期办理，"
        "承办单位将于{{ due_at }}前办结答复。查询码{{ query_code }}。",
    ),
    "sms.paused": (
        "暂缓办理",
        "【12345】您反映的「{{ title }}」（工单{{ number }}）因{{ reason }}暂缓办理，"
        "预计{{ resume_on }}恢复办理，届时将继续按时限办理。查询码{{ query_code }}。",
    ),
    "sms.closed": (
        "办结通知",
        "【12345】您反映的「{{ title }}」（工单{{ number }}）已办结，感谢您对12345热线的信任与支持。",
    ),
}
# What each template may use, with an example for previews.
SAMPLE_CONTEXT = {
    "citizen_name": "王先生",
    "number": "2026112401000001",
    "query_code": "482913",
    "title": "小区门口路灯不亮",
    "public_reply": "已更换线路，路灯恢复照明。",
    "visited_at": "2026-11-24 10:30",
    "due_at": "2026-12-08 23:59",
    "resume_on": "2026-12-15",
    "reason": "需协调多个部门",
    "track_url": "https://12345.example.gov.cn/track?number=2026112401000001&query_code=482913",
}
