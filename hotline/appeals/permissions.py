"""Who may use the appeals' desks. Operations require these; pages and the navigation ask
the same objects whether to offer a link or a form."""

from __future__ import annotations

from hotline.core.permissions import Permission, at_centre, holding

PLACE_LEVELS = ("street", "community", "grid")

# 受理: the centre's operators and dispatchers record calls (the citizen's own channels
# need no account).
REGISTER = at_centre("operator", "dispatcher", refusal="只有热线中心的话务员或派单员可以登记诉求")
# 来电时间 comes from the telephone system, which only the operator's console has.
SET_CALL_TIME = at_centre("operator", refusal="只有话务员可以填写来电时间")
# A unit's own work list (本单位待办): every account outside the centre.
UNIT_INBOX = Permission("本单位待办供承办单位使用", lambda actor: not actor.at_centre)
# The supervisor dashboard: the centre's staff and every supervisor for their own area.
DASHBOARD = Permission(
    "督办看板供热线中心与各级督办员使用", lambda actor: actor.at_centre or actor.has_role("supervisor")
)
# 来电历史: a caller's appeals by their full phone number, for the centre's staff who deal
# with citizens (those who see names and phones in full). Every look-up is audited.
LOOK_UP_CALLER = at_centre(
    "operator", "dispatcher", "visitor", "supervisor", refusal="只有热线中心与市民直接联系的人员可以按电话号码查询"
)
# Which 办理前/办理后 photos the citizen sees on the tracking page: the centre that reviews
# the reply decides.
PUBLISH_PHOTOS = at_centre("dispatcher", "supervisor", refusal="只有热线中心的派单员或督办员可以公开照片")
# 直接答复 from the knowledge base while the call is taken (the ANSWER action's own rule).
ANSWER_FROM_KNOWLEDGE = at_centre("operator", refusal="只有话务员可以直接答复")
# 重复诉求: the centre's intake desk looks for earlier appeals about the same problem
# before it dispatches, and merges or links them.
FIND_SIMILAR = at_centre(
    "operator", "dispatcher", "supervisor", refusal="只有热线中心的话务员、派单员或督办员可以查找重复诉求"
)
# 派单异议审核: whoever dispatches reviews the returns — the centre's dispatchers, and the
# handlers of units that pass appeals down (the action's guard says which appeal is whose).
REVIEW_RETURNS = Permission(
    "只有热线中心的派单员或单位承办人可以审核退单",
    lambda actor: actor.has_role("dispatcher") if actor.at_centre else actor.has_role("handler"),
)
# 延期 and 挂起 requests are decided by supervisors (the centre's, or of the units above).
DECIDE_REQUESTS = holding("supervisor", refusal="只有督办员可以审批延期和挂起申请")
# 回访: the centre's return-visit staff call the citizens back (the queue and the action).
VISIT = at_centre("visitor", refusal="只有热线中心的回访员可以回访")
# 核查: the units of a place (grid, community, street) check answers on the spot.
CHECK_ON_SPOT = Permission(
    "现场核查供网格、社区、街道的承办人使用",
    lambda actor: actor.has_role("handler") and actor.area_level in PLACE_LEVELS,
)
EDIT_SLA = holding("admin", refusal="只有系统管理员可以修改办理时限")
RUN_SWEEP = holding("admin", refusal="只有系统管理员可以手动执行扫描")
