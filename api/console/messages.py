"""Every word the console shows, in Chinese (the default) and English: one catalogue, so that a
page cannot show a string in one language only. Keys are grouped by page; the vocabularies
(statuses, occupation groups…) are keyed by their stored value."""

from __future__ import annotations

from typing import Any

from api.request_pages import CATEGORY as REQUEST_CATEGORY
from api.request_pages import OUTCOME as REQUEST_OUTCOME
from geo.vocab import AMENITY_LABELS_ZH
from membership.worker_requests.vocab import Category, Outcome

LANGS = ("zh", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    "erased": ("已删除", "Erased"),
    "cli": ("命令行：{name}", "command line: {name}"),
    # The frame of every page
    "console": ("工会工作台", "Union workbench"),
    "skip": ("跳到正文", "Skip to the content"),
    "nav": ("主菜单", "Main menu"),
    "nav.home": ("待办", "To do"),
    "nav.applications": ("入会申请", "Applications"),
    "nav.requests": ("求助", "Requests"),
    "nav.below": ("下级工会", "Unions below"),
    "nav.audit": ("操作记录", "Audit log"),
    "nav.reports": ("驿站报告", "Station reports"),
    "nav.password": ("修改密码", "Change password"),
    "nav.maps": ("地图", "Maps"),
    "logout": ("退出登录", "Log out"),
    "signed_in_as": ("{name}，{union}", "{name}, {union}"),
    "everything": ("全部工会（管理员）", "all unions (admin)"),
    "session_ends": ("本次登录到 {time} 失效。", "This login lasts until {time}."),
    "other_lang": ("English", "中文"),
    "other_lang_code": ("en", "zh"),
    "other_lang_name": ("English", "Chinese"),
    # Logging in
    "login.title": ("登录工会工作台", "Log in to the union workbench"),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Log in"),
    "login.rules": ("连续输错 3 次密码后，每次再试都要多等一会儿（最长 1 分钟）；连续输错 10 次，"
                    "这个用户名在这台设备上锁定 30 分钟，管理员重设密码即可解锁。登录 {minutes} "
                    "分钟后失效，需要重新登录。",
                    "After 3 wrong passwords in a row each further try must wait a little longer "
                    "(up to a minute); after 10 the username is locked on this device for 30 "
                    "minutes, unless an admin resets the password. A login lasts {minutes} "
                    "minutes; then you log in again."),
    "login.wrong": ("用户名或密码不对。", "Wrong username or password."),
    "login.wait": ("已连续输错 {failures} 次，请等 {seconds} 秒后再试。",
                   "{failures} wrong tries in a row: wait {seconds} s before trying again."),
    "login.wait_plain": ("请等 {seconds} 秒后再试。", "Wait {seconds} s before trying again."),
    "login.locked": ("连续输错 10 次，这个用户名在这台设备上已锁定，{minutes} 分钟后可再试；"
                     "请管理员重设密码可立即解锁。",
                     "10 wrong tries in a row: this username is locked on this device for "
                     "{minutes} more minutes; an admin who resets the password unlocks it at "
                     "once."),
    "login.too_many": ("这台设备的登录尝试太多（10 分钟内最多 30 次），请 {seconds} 秒后再试。",
                       "Too many login attempts from this device (at most 30 in 10 minutes): "
                       "try again in {seconds} s."),
    "login.expired": ("登录已过期，请重新登录。", "Your login has expired: log in again."),
    "login.ended": ("登录已失效（密码已修改或重设，或账号已停用），请重新登录。",
                    "Your login has ended (the password was changed or reset, or the account "
                    "was disabled): log in again."),
    "login.needed": ("请先登录。", "Log in first."),
    "login.kept": ("您填写的内容已保留，登录后会回到原来的表单，请检查后再提交。",
                   "What you filled in is kept: after logging in you return to the form; "
                   "check it and send it again."),
    "login.restored": ("这是您登录过期前填写的内容，请检查后再提交。",
                       "This is what you filled in before your login expired: check it and send "
                       "it again."),
    "login.stale_form": ("这个表单已过期（可能在另一个窗口重新登录过），请重新打开页面再提交。",
                         "This form is out of date (perhaps you logged in again in another "
                         "window): open the page again and send it from there."),
    "stale.heading": ("表单已过期", "The form is out of date"),
    "login.required_both": ("请填写用户名和密码。", "Enter your username and password."),
    "logged_out": ("已退出登录。", "You have logged out."),
    # Changing the password
    "password.title": ("修改密码", "Change password"),
    "password.current": ("当前密码", "Current password"),
    "password.new": ("新密码", "New password"),
    "password.rule": ("10 到 200 个字符，至少含 4 个不同的字符。修改后，所有设备上的登录都会失效，"
                      "需要用新密码重新登录。",
                      "10 to 200 characters, at least 4 of them different. Afterwards every "
                      "login of your account, on every device, ends: log in again with the new "
                      "password."),
    "password.submit": ("修改密码", "Change password"),
    "password.wrong": ("当前密码不对。", "The current password is wrong."),
    "password.same": ("新密码不能与当前密码相同。", "The new password must differ from the "
                                                   "current one."),
    "password.weak": ("新密码不符合要求：10 到 200 个字符，至少含 4 个不同的字符。",
                      "The new password does not do: 10 to 200 characters, at least 4 of them "
                      "different."),
    "password.done": ("密码已修改，请用新密码登录。", "Your password is changed: log in with the "
                                                    "new one."),
    # Home
    "home.title": ("今天的待办", "What needs doing today"),
    "home.due": ("待处理的申请，最早到期的在前", "Open applications, nearest deadline first"),
    "home.due_none": ("没有待处理的申请。", "No open applications."),
    "home.due_more": ("查看全部 {n} 份待处理申请", "See all {n} open applications"),
    "home.reports": ("未处理的驿站报告", "Unresolved station reports"),
    "home.reports_none": ("没有未处理的报告。", "No unresolved reports."),
    "home.stale": ("需要核实的驿站", "Stations to verify"),
    "home.stale_note": ("正常开放、但超过 {days} 天没有实地核实的驿站。",
                        "Operational stations not checked on site for over {days} days."),
    "home.stale_none": ("没有需要核实的驿站。", "No station needs verifying."),
    "home.stale_more": ("查看全部 {n} 个需要核实的驿站", "See all {n} stations to verify"),
    "home.counts": ("辖区概况", "Your area in numbers"),
    "count.members": ("会员", "Members"),
    "count.members_active": ("在职会员", "Members in work"),
    "count.members_between": ("待业会员（由上级工会暂管）", "Members between jobs (held one level up)"),
    "count.open": ("待处理申请", "Open applications"),
    "count.overdue": ("逾期申请", "Overdue applications"),
    "count.stations": ("正常开放的驿站", "Operational stations"),
    "count.stale": ("待核实驿站", "Stations to verify"),
    "count.reports": ("未处理报告", "Unresolved reports"),
    # Days left
    "due.today": ("今天到期", "Due today"),
    "due.left": ("还剩 {n} 个工作日", "{n} working days left"),
    "due.left1": ("还剩 1 个工作日", "1 working day left"),
    "due.over": ("已逾期 {n} 个工作日", "Overdue by {n} working days"),
    "due.over1": ("已逾期 1 个工作日", "Overdue by 1 working day"),
    "due.estimated": ("（预计）", " (estimated)"),
    # after the status "contacted": whether that was within the contact deadline
    "due.contacted": ("按时", "in time"),
    "due.contacted_late": ("晚了 {n} 个工作日", "{n} working days late"),
    "due.contacted_late1": ("晚了 1 个工作日", "1 working day late"),
    # The queue
    "queue.title": ("入会申请", "Applications"),
    "queue.filter": ("筛选", "Filter"),
    "queue.status": ("状态", "Status"),
    "queue.any": ("全部", "Any"),
    "queue.open": ("待处理（已提交或已联系）", "Open (submitted or contacted)"),
    "queue.overdue": ("只看逾期", "Overdue only"),
    "queue.group": ("职业群体", "Occupation group"),
    "queue.from": ("提交日期从", "Submitted from"),
    "queue.to": ("提交日期到", "Submitted to"),
    "queue.apply": ("筛选", "Filter"),
    "queue.count": ("共 {total} 份，按最迟联系日期排序。", "{total} in all, nearest contact "
                                                         "deadline first."),
    "queue.none": ("没有符合条件的申请。", "No application matches."),
    "queue.bad_date": ("日期请写成 2026-12-04 这样的格式。", "Give the date as 2026-12-04."),
    "queue.bad_range": ("“提交日期从”不能晚于“提交日期到”。",
                        "“Submitted from” must not be after “Submitted to”."),
    "queue.next": ("下一页", "Next page"),
    "queue.previous": ("上一页", "Previous page"),
    "col.applicant": ("申请人", "Applicant"),
    "col.phone": ("手机号", "Mobile"),
    "col.group": ("职业群体", "Occupation"),
    "col.workplace": ("工作单位", "Workplace"),
    "col.union": ("负责工会", "Union"),
    "col.deadline": ("最迟联系日期", "Contact by"),
    "col.status": ("状态", "Status"),
    "col.submitted": ("提交时间", "Submitted"),
    # One application
    "app.title": ("入会申请 {id}", "Application {id}"),
    "app.id_number": ("身份证号", "ID card number"),
    "app.id_none": ("未填写", "Not given"),
    "app.address": ("工作地址", "Workplace address"),
    "app.route": ("为什么由这个工会受理", "Why this union handles it"),
    "app.member": ("会员编号", "Member number"),
    "app.history": ("办理记录", "History"),
    "app.actions": ("办理", "Handle it"),
    "app.closed": ("这份申请已办结，不能再操作。", "This application is decided; nothing more "
                                                 "can be done with it."),
    "app.note": ("备注（选填）", "Note (optional)"),
    "app.reason": ("原因", "Reason"),
    "app.reason_reject": ("不通过的原因（申请人会看到）", "Why not (the applicant sees this)"),
    "app.reason_forward": ("转交的原因（记入办理记录）", "Why it goes there (kept in the "
                                                        "history)"),
    "app.contact": ("已联系申请人", "Mark as contacted"),
    "app.approve": ("通过，接收为会员", "Approve: make a member"),
    "app.reject": ("不通过", "Reject"),
    "app.forward": ("转交给另一工会", "Forward to another union"),
    "app.forward_to": ("转交给", "Forward to"),
    "app.forward_pick": ("请选择工会", "Choose a union"),
    "app.forward_parent": ("上级", "one level up"),
    "app.forward_sibling": ("同级", "same level"),
    "app.forward_child": ("下级", "one level down"),
    "app.forward_map": ("在地图上看这些工会的区域", "See these unions' areas on a map"),
    "app.need_reason": ("请写明原因（最多 500 字）。", "Give the reason (at most 500 characters)."),
    "app.need_union": ("请从列表中选择要转交的工会。", "Choose the union from the list."),
    "app.too_long": ("最多 500 字。", "At most 500 characters."),
    "app.no_union": ("没有这个工会，请从列表中选择。", "There is no such union: choose one from "
                                                     "the list."),
    "app.same_union": ("申请已经在这个工会了。", "The application is with that union already."),
    "app.wrong_state": ("这份申请的状态是“{status}”，不能再{action}。",
                        "The application is {status}; it can no longer be {action}."),
    "app.call": ("拨打", "Call"),
    "done.contact": ("已记录：已联系申请人。", "Recorded: the applicant was contacted."),
    "done.approve": ("已通过，申请人成为会员，会员编号 {member_no}。",
                     "Approved: the applicant is a member, member number {member_no}."),
    "done.reject": ("已记录：不通过。申请人会在状态页看到原因。",
                    "Recorded: rejected. The applicant sees the reason on their status page."),
    "done.forward": ("已转交，这份申请已离开您的辖区。", "Forwarded: the application has left "
                                                       "your area."),
    "done.forward_kept": ("已转交给 {union}。", "Forwarded to {union}."),
    "not_found": ("没有找到", "Not found"),
    "not_found.text": ("没有这一项，或者它不在您的辖区内。", "There is no such item, or it is not "
                                                           "in your area."),
    "back_home": ("回到待办", "Back to the to-do list"),
    # Station reports
    "reports.title": ("驿站报告", "Station reports"),
    "reports.station": ("驿站", "Station"),
    "reports.kind": ("问题", "Problem"),
    "reports.note": ("说明", "Note"),
    "reports.at": ("报告时间", "Reported"),
    "reports.resolution": ("处理结果", "What was done"),
    "reports.resolve": ("标记为已处理", "Mark as resolved"),
    "reports.need_resolution": ("请写明处理结果（最多 500 字）。",
                                "Say what was done (at most 500 characters)."),
    "reports.already": ("这条报告已经处理过了。", "This report was resolved already."),
    "reports.done": ("已记录处理结果。", "Recorded as resolved."),
    "reports.none": ("没有未处理的报告。", "No unresolved reports."),
    # Stations
    "nav.stations": ("驿站", "Stations"),
    "stations.title": ("驿站", "Stations"),
    "stations.add": ("新增驿站", "Add a station"),
    "stations.only_stale": ("只看待核实的", "Only those to verify"),
    "stations.count": ("共 {total} 个。", "{total} in all."),
    "stations.none": ("没有符合条件的驿站。", "No station matches."),
    "stations.open_reports": ("{n} 条未处理报告", "{n} unresolved reports"),
    "stations.stale": ("待核实", "To verify"),
    "stations.verified": ("最近核实", "Last verified"),
    "stations.never": ("从未核实", "Never verified"),
    "station.name": ("名称", "Name"),
    "station.address": ("地址", "Address"),
    "station.place": ("位置", "Position"),
    "station.place_help": ("在地图上点一下放置驿站；也可以直接填写经纬度。从高德地图复制的坐标请选"
                           "“GCJ-02（高德、腾讯）”。",
                           "Tap the map to place the station, or type the longitude and "
                           "latitude. For coordinates copied from Amap choose “GCJ-02 (Amap, "
                           "Tencent)”."),
    "station.map": ("放置驿站的地图", "Map to place the station"),
    "station.lon": ("经度", "Longitude"),
    "station.lat": ("纬度", "Latitude"),
    "station.crs": ("坐标系", "Coordinate system"),
    "crs.wgs84": ("WGS84（GPS）", "WGS84 (GPS)"),
    "crs.gcj02": ("GCJ-02（高德、腾讯）", "GCJ-02 (Amap, Tencent)"),
    "crs.bd09": ("BD-09（百度）", "BD-09 (Baidu)"),
    "station.hours": ("开放时间", "Opening hours"),
    "station.hours_help": ("OpenStreetMap 写法，例如 Mo-Fr 09:00-17:00; Sa 10:00-14:00; PH off"
                           "（Mo 周一 … Su 周日，PH 法定节假日）；全天开放写 24/7。",
                           "OpenStreetMap syntax, e.g. Mo-Fr 09:00-17:00; Sa 10:00-14:00; PH off "
                           "(Mo Monday … Su Sunday, PH public holidays); always open is 24/7."),
    "station.preview": ("未来七天", "The next seven days"),
    "station.closed_day": ("不开放", "Closed"),
    "station.unknown_day": ("时间不确定", "Hours uncertain"),
    "station.open_now": ("现在开放", "Open now"),
    "station.closed_now": ("现在不开放", "Closed now"),
    "station.unknown_now": ("现在是否开放不确定", "Not known whether it is open now"),
    "station.no_hours": ("没有填写开放时间。", "No opening hours given."),
    "station.amenities": ("设施", "Amenities"),
    "station.status": ("状态", "Status"),
    "station.phone": ("电话", "Phone"),
    "station.operator": ("运营单位", "Run by"),
    "station.save": ("保存", "Save"),
    "station.create": ("新增驿站", "Add the station"),
    "station.verify": ("已实地核实", "Verified on site just now"),
    "station.verify_help": ("到现场确认驿站还在、设施和开放时间都对之后点这里。",
                            "Tap this once you have checked on site that the station is there "
                            "and its amenities and hours are right."),
    "station.retire": ("撤销驿站", "Retire the station"),
    "station.retire_help": ("驿站不再存在时撤销：它从地图上消失，记录保留。",
                            "Retire a station that no longer exists: it leaves the maps; the "
                            "record is kept."),
    "station.poster": ("打印门贴", "Print the door poster"),
    "station.poster_a4": ("A4 门贴", "A4 poster"),
    "station.poster_a5": ("A5 门贴", "A5 poster"),
    "station.edit": ("修改驿站信息", "Edit the station"),
    "station.bad_name": ("请填写名称（最多 200 字）。", "Give the name (at most 200 characters)."),
    "station.bad_text": ("最多 {n} 字。", "At most {n} characters."),
    "station.bad_point": ("请在地图上点选位置，或填写经纬度（经度 -180 到 180，纬度 -90 到 90）。",
                          "Tap the map, or give the longitude (-180 to 180) and latitude (-90 "
                          "to 90)."),
    "station.bad_hours": ("开放时间的写法不对（第 {at} 个字符处）。例如 Mo-Fr 09:00-17:00; PH off。",
                          "The opening hours cannot be read (at character {at}). For example "
                          "Mo-Fr 09:00-17:00; PH off."),
    "station.bad_phone": ("电话只能有数字、空格和短横线，可以用 + 开头。",
                          "A phone number has digits, spaces or dashes, and may start with +."),
    "station.outside": ("这个位置不在您的辖区内；请选辖区内的位置，或请位置所在辖区的工会添加。",
                        "That place is outside your area: choose one inside it, or ask the "
                        "union whose area it is to add the station."),
    "done.station_create": ("已新增驿站。", "The station is added."),
    "done.station_edit": ("已保存。", "Saved."),
    "done.station_verify": ("已记录：刚刚实地核实。", "Recorded: verified on site just now."),
    "done.station_retire": ("驿站已撤销。", "The station is retired."),
    "poster.join": ("扫码加入工会", "Scan to join the union"),
    "poster.join_help": ("户外劳动者、新就业形态劳动者都可以申请，不需要单位同意。",
                         "Outdoor and platform workers can apply; the employer is not asked."),
    "poster.print": ("打印", "Print"),
    "poster.title": ("{name} 门贴", "{name} poster"),
    "station_status.operational": ("正常开放", "Operational"),
    # Members
    "nav.members": ("会员", "Members"),
    "members.title": ("会员", "Members"),
    "members.search": ("姓名、会员编号或手机号", "Name, member number or mobile number"),
    "members.find": ("查找", "Search"),
    "members.status": ("会籍状态", "Membership"),
    "members.between": ("待业期间由上级暂管的会员", "Members held one level up between jobs"),
    "members.count": ("共 {total} 人。", "{total} in all."),
    "members.none": ("没有符合条件的会员。", "No member matches."),
    "member_status.active": ("在职", "in work"),
    "member_status.between_jobs": ("待业（由上级工会暂管）", "between jobs (held one level up)"),
    "member.no": ("会员编号", "Member number"),
    "member.joined": ("入会时间", "Joined"),
    "member.history": ("会籍记录", "Membership history"),
    "member.since": ("自 {start}", "since {start}"),
    "member.span": ("{start} 至 {end}", "{start} to {end}"),
    "member.transfer": ("转会籍", "Transfer the membership"),
    "member.transfer_help": ("会员换了工作：在地图上点出新工作地点，会籍转到覆盖那里的工会；"
                             "离职还没有新工作的，会籍由上一级工会暂管。",
                             "The member changed jobs: place the new workplace on the map and "
                             "the membership moves to the union covering it. Left the job with "
                             "no new one yet: the union one level up holds the membership."),
    "member.new_job": ("有新工作单位", "A new workplace"),
    "member.left_job": ("已离职，暂无新工作", "Left the job, no new one yet"),
    "member.workplace_name": ("新工作单位名称", "Name of the new workplace"),
    "member.do_transfer": ("转会籍", "Transfer"),
    "member.need_choice": ("请选择“有新工作单位”或“已离职”。", "Choose “A new workplace” or "
                                                            "“Left the job”."),
    "member.need_workplace": ("请填写新工作单位名称（最多 200 字）。",
                              "Give the new workplace's name (at most 200 characters)."),
    "member.not_routable": ("没有工会覆盖这个位置（2 公里内也没有），请检查位置和坐标系。",
                            "No union covers that place (and none is within 2 km): check the "
                            "point and its coordinate system."),
    "done.transfer": ("会籍已转到 {union}。", "The membership is now with {union}."),
    "done.transfer_out": ("会籍已转出您的辖区。", "The membership has moved out of your area."),
    "reason.joined": ("入会", "joined"),
    # Workplaces
    "nav.workplaces": ("工作单位", "Workplaces"),
    "workplaces.title": ("工作单位", "Workplaces"),
    "workplaces.search": ("名称、地址或统一社会信用代码", "Name, address or unified social "
                                                        "credit code"),
    "workplace.uscc": ("统一社会信用代码", "Unified social credit code"),
    "workplace.own": ("单位自己的工会", "The employer's own union"),
    "workplace.matched": ("所在区域的工会", "The area union covering it"),
    "workplace.none": ("没有工会覆盖", "No union covers it"),
    "workplace.move": ("更正位置", "Correct the location"),
    "workplace.move_help": ("在地图上点出正确的位置，或填写经纬度；保存后立即重新匹配所在区域的工会。",
                            "Tap the right place on the map, or type the longitude and "
                            "latitude; once saved it is matched to its area union again."),
    "workplace.do_move": ("保存位置", "Save the location"),
    "workplace.outside": ("这个位置不在您的辖区内，单位会离开您的辖区；请管理员或覆盖两处的工会修改。",
                          "That place is outside your area and the workplace would leave it: "
                          "an admin, or a union covering both places, can make this change."),
    "done.workplace": ("位置已更正，已重新匹配工会（见“所在区域的工会”）。",
                       "The location is corrected and matched again (see “The area union "
                       "covering it”)."),
    # The level below
    "below.title": ("下级工会", "Unions one level down"),
    "below.title_of": ("{union}的下级工会", "Unions one level down from {union}"),
    "below.total": ("合计", "Total"),
    "below.own": ("{union}本级", "{union} itself"),
    "below.up": ("回到上一级", "One level up"),
    "below.none": ("这个工会没有下级工会：下表是它本级的数字。",
                   "This union has no unions below it: the table shows its own figures."),
    "below.note": ("“本级”是这个工会直接受理的会员和申请（工作地点不在任何下级工会区域内的、"
                   "待业期间暂管的会员），以及不在任何下级区域内的驿站。交界线上的驿站只算在"
                   "编号较小的下级工会一行，所以各行相加等于合计。",
                   "“itself” counts the members and applications the union handles directly "
                   "(workplaces in no lower union's area, members held between jobs) and the "
                   "stations on no lower union's area. A station on a shared border counts in "
                   "one line only, so the lines add up to the total."),
    "col.members_active": ("在职会员", "In work"),
    "col.members_between": ("待业会员", "Between jobs"),
    "col.open": ("待处理申请", "Open applications"),
    "col.overdue": ("逾期", "Overdue"),
    "col.stations": ("驿站", "Stations"),
    "col.stale": ("待核实", "To verify"),
    "col.closed": ("暂停开放", "Temporarily closed"),
    "col.planned": ("筹建中", "Planned"),
    "col.workplaces": ("工作单位", "Workplaces"),
    "col.reach": ("步行可达驿站的工作单位", "Workplaces within reach of a station"),
    # Charts
    "charts.title": ("图表", "Charts"),
    "charts.weekly": ("每周申请：收到、通过、逾期", "Applications per week: received, approved, "
                                                   "overdue"),
    "charts.groups": ("会员的职业群体", "Members by occupation group"),
    "charts.week": ("周（起始日）", "Week (starting)"),
    "charts.received": ("收到", "Received"),
    "charts.approved": ("通过", "Approved"),
    "charts.overdue": ("逾期", "Overdue"),
    "charts.count": ("人数", "Members"),
    "charts.stations": ("驿站状态", "Stations by status"),
    "nav.charts": ("图表", "Charts"),
    "nav.visits": ("驿站使用", "Station visits"),
    "nav.keys": ("计数密钥", "Counting keys"),
    "nav.circle": ("15 分钟服务圈", "15-minute circle"),
    "nav.siting": ("新驿站选址", "Where to build"),
    # Station visits
    "visits.title": ("驿站使用情况", "Station visits"),
    "visits.from": ("开始日期", "From"), "visits.to": ("结束日期", "To"),
    "visits.show": ("查看", "Show"),
    "visits.csv": ("下载表格（CSV）", "Download as a spreadsheet (CSV)"),
    "visits.total": ("{first} 至 {last} 共 {n} 人次到访。", "{n} visits from {first} to {last}."),
    "visits.by_day": ("每天到访人次", "Visits per day"),
    "visits.day": ("日期", "Day"), "visits.count": ("人次", "Visits"),
    "visits.hour_week": ("一周各时段到访人次", "Visits by hour of the week"),
    "visits.hour": ("时", "Hour"), "visits.weekday": ("星期", "Day of the week"),
    "visits.by_group": ("按职业群体", "By occupation group"),
    "visits.group": ("职业群体", "Occupation group"),
    "visits.unknown": ("未说明", "Not given"),
    "visits.busiest": ("最繁忙的驿站", "Busiest stations"),
    "visits.idle": ("最少人用的驿站（正常开放）", "Least used stations (operational)"),
    "visits.station": ("驿站", "Station"),
    "visits.trend": ("趋势", "Trend"),
    "visits.trend_text": ("前 {a} 天 {x} 人次，后 {b} 天 {y} 人次。",
                          "First {a} days: {x} visits; last {b} days: {y} visits."),
    "visits.cells": ("按地图网格（H3 第 8 级，约 0.7 平方公里）", "By map cell (H3 level 8, "
                     "about 0.7 km²)"),
    "visits.cell": ("网格", "Cell"),
    "visits.none": ("这段时间没有到访记录。", "No visits in this span."),
    "visits.bad_span": ("日期不对：请用 年-月-日（例如 2026-12-01），开始不晚于结束，最长 366 天。"
                        "下面是最近 28 天。", "The days are wrong: give year-month-day (for example "
                        "2026-12-01), the start no later than the end, at most 366 days. Below "
                        "are the last 28 days."),
    # Operators' keys
    "keys.title": ("计数设备和合作应用的密钥", "Keys for counting devices and partner apps"),
    "keys.intro": ("驿站运营方的计数设备或应用用密钥批量上报到访（POST /visits，请求头 X-Operator-Key）。"
                   "密钥只能上报该运营方在本辖区内的驿站。",
                   "A station operator's counting device or app sends visits in batches with a key "
                   "(POST /visits, header X-Operator-Key). A key covers only that operator's "
                   "stations in your area."),
    "keys.operator": ("运营方（与驿站资料中的运营方一致）", "Operator (as the stations name it)"),
    "keys.create": ("生成密钥", "Create a key"),
    "keys.new": ("新密钥（只显示这一次，请复制交给运营方）：", "The new key (shown only this once: "
                 "copy it for the operator):"),
    "keys.hint": ("密钥开头", "Key begins"), "keys.created": ("生成时间", "Created"),
    "keys.by": ("生成人", "Created by"), "keys.state": ("状态", "State"),
    "keys.active": ("有效", "Active"), "keys.revoked_state": ("已作废（{at}）", "Revoked ({at})"),
    "keys.revoke": ("作废", "Revoke"), "keys.revoked": ("密钥已作废。", "The key was revoked."),
    "keys.none": ("还没有密钥。", "No keys yet."),
    "keys.need_operator": ("请填写运营方名称（1 到 200 字）。", "Give the operator's name (1 to "
                           "200 characters)."),
    "keys.admin": ("管理员账号不属于任何工会：请用工会干部的账号生成密钥。", "An admin account "
                   "belongs to no union: create keys with a union officer's account."),
    # The service circle
    "circle.title": ("15 分钟服务圈", "The 15-minute service circle"),
    "circle.mode": ("出行方式", "Travel by"), "circle.minutes": ("分钟", "Minutes"),
    "circle.walk": ("步行（4.5 公里/小时）", "Walking (4.5 km/h)"),
    "circle.ebike": ("电动车（{kmh} 公里/小时）", "E-bike ({kmh} km/h)"),
    "circle.show": ("计算", "Show"),
    "circle.reach": ("可达范围：直线 {m} 米（按道路绕行系数 {f} 折算）。时段按 {day} 计算（工作日）。",
                     "Reach: {m} m in a straight line (the way by road taken as {f} times longer). "
                     "Times of day are for {day} (a working day)."),
    "circle.union": ("工会", "Union"), "circle.total": ("总数", "Total"),
    "circle.covered": ("可达", "In reach"), "circle.share": ("比例", "Share"),
    "circle.noon": ("12:00 开放", "Open at 12:00"), "circle.evening": ("22:00 开放", "Open at 22:00"),
    "circle.night": ("03:00 开放", "Open at 03:00"),
    "circle.workplaces": ("单位", "Workplaces"), "circle.members": ("会员（按工作地点）",
                                                                   "Members (by workplace)"),
    "circle.far": ("服务圈外的单位", "Workplaces out of reach"),
    "circle.far_none": ("所有单位都在服务圈内。", "Every workplace is within reach."),
    "circle.map": ("服务圈外的单位位置（红点）", "Where the workplaces out of reach are (red dots)"),
    "circle.name": ("单位名称", "Workplace"), "circle.where": ("经纬度", "Longitude, latitude"),
    "circle.admin": ("管理员账号不属于任何工会：请用工会干部的账号查看。", "An admin account belongs to "
                     "no union: open this with a union officer's account."),
    # Siting
    "siting.title": ("新驿站建在哪里", "Where the next stations should go"),
    "siting.n": ("建几个", "How many"),
    "siting.before": ("现在可达：{share}。候选地点 {c} 个（H3 第 9 级网格中心），服务圈外单位 {d} 个。",
                      "In reach now: {share}. {c} candidate sites (H3 level-9 cell centres), {d} "
                      "workplaces out of reach."),
    "siting.rank": ("序号", "No."), "siting.place": ("位置（经度, 纬度）", "Place (longitude, "
                                                                        "latitude)"),
    "siting.adds": ("新增可达（单位+会员）", "Newly in reach (workplaces + members)"),
    "siting.after": ("建成后可达比例", "Share in reach after it"),
    "siting.none": ("没有能增加覆盖的地点：服务圈外没有单位。", "No site would add anything: no "
                    "workplace is out of reach."),
    "siting.map": ("建议地点（编号）和服务圈外的单位（红点）", "Suggested sites (numbered) and "
                   "workplaces out of reach (red dots)"),
    "siting.too_big": ("辖区太大，候选网格太多：请用下级工会的账号查看。", "The area is too large "
                       "for this: open it with the account of a union below."),
    # Workers' requests for help (维权) and needs (诉求)
    "requests.title": ("劳动者求助", "Workers' requests"),
    "requests.category": ("问题类别", "Category"),
    "requests.open": ("待办结（已提交或已受理）", "Open (submitted or acknowledged)"),
    "requests.overdue": ("只看逾期", "Overdue only"),
    "requests.escalated": ("只看已上报上级督办的", "Escalated only"),
    "requests.count": ("共 {total} 件，按办结期限排序，已办结的在最后。",
                       "{total} in all, nearest deadline first, closed ones last."),
    "requests.none": ("没有符合条件的求助。", "No request matches."),
    "requests.anonymous": ("匿名", "Anonymous"),
    "requests.no_name": ("未留姓名", "No name given"),
    "requests.holder": ("负责工会：{union}", "Handled by: {union}"),
    "requests.escalated_mark": ("已第 {level} 次上报上级督办：{union}，督办期限 {deadline}",
                                "Escalated {level} levels up: {union}, by {deadline}"),
    "requests.escalated_mark1": ("已上报上级督办：{union}，督办期限 {deadline}",
                                 "Escalated one level up: {union}, by {deadline}"),
    "requests.closed_on": ("{day} 办结：{outcome}", "Closed on {day}: {outcome}"),
    "request.title": ("求助 {id}", "Request {id}"),
    "request.description": ("劳动者反映的情况", "What the worker says"),
    "request.worker": ("求助人", "Worker"),
    "request.anonymous_note": ("匿名求助：工会无法联系求助人，只能在这里写进展，求助人通过自己的链接查看。",
                               "An anonymous request: the union cannot reach the worker; write "
                               "updates here, which the worker reads through their own link."),
    "request.may_name": ("可否向单位说明求助人", "May the employer be told who asked"),
    "request.may_name_yes": ("可以", "Yes"),
    "request.may_name_no": ("不可以：不得向单位透露是谁反映的",
                            "No: never tell the employer who asked"),
    "request.member": ("会员", "Member"),
    "request.member_yes": ("是会员，由会籍所在工会受理", "A member: the union of the membership "
                                                       "handles it"),
    "request.workplace": ("工作单位", "Workplace"),
    "request.where": ("工作地点（经度, 纬度）", "Where they work (longitude, latitude)"),
    "request.near_station": ("在驿站“{name}”附近工作", "Works near the station “{name}”"),
    "request.union": ("受理工会", "Handling union"),
    "request.escalated_to": ("上级督办", "Escalated to"),
    "request.deadline": ("办结期限", "Close by"),
    "request.escalated_deadline": ("上级督办期限", "The union above must close it by"),
    "request.outcome": ("办理结果", "Outcome"),
    "request.feedback": ("求助人的评价", "The worker's rating"),
    "request.feedback_text": ("{rating} 分（满分 5 分），{solved}", "{rating} of 5, {solved}"),
    "request.solved": ("认为问题已解决", "says it was solved"),
    "request.not_solved": ("认为问题没有解决", "says it was not solved"),
    "request.no_feedback": ("还没有评价", "Not rated yet"),
    "request.history": ("办理记录", "History"),
    "request.actions": ("办理", "Handle it"),
    "request.closed": ("这件求助已办结，不能再操作。", "This request is closed; nothing more can "
                                                   "be done with it."),
    "request.ack_note": ("备注（选填，只有工会干部能看到）", "Note (optional, for officers only)"),
    "request.acknowledge": ("受理", "Acknowledge: take it up"),
    "request.note_text": ("内容", "Text"),
    "request.note_kind": ("写给谁看", "Who reads it"),
    "request.note_officers": ("备注：只有工会干部能看到", "A note: officers only"),
    "request.note_worker": ("进展：求助人在自己的链接上能看到", "An update: the worker reads it "
                                                            "on their link"),
    "request.add_note": ("记下", "Add it"),
    "request.hand_to": ("转交给", "Hand over to"),
    "request.hand_pick": ("请选择工会", "Choose a union"),
    "request.hand_reason": ("转交的原因（记入办理记录，求助人能看到转交）",
                            "Why it goes there (kept in the history; the worker sees the "
                            "hand-over)"),
    "request.hand_over": ("转交给另一工会", "Hand over to another union"),
    "request.hand_deadline": ("期限不变：求助人已经等了这么久。", "The deadline stays: the worker "
                              "has waited as long."),
    "request.outcome_pick": ("请选择办理结果", "Choose the outcome"),
    "request.close_text": ("办理情况（求助人能看到）", "What the union did (the worker reads this)"),
    "request.close": ("办结", "Close it"),
    "request.need_text": ("请填写内容（最多 500 字）。", "Write the text (at most 500 characters)."),
    "request.need_reason": ("请写明转交的原因（最多 500 字）。",
                            "Give the reason for the hand-over (at most 500 characters)."),
    "request.need_union": ("请从列表中选择要转交的工会。", "Choose the union from the list."),
    "request.need_outcome": ("请从列表中选择办理结果。", "Choose the outcome from the list."),
    "request.need_close_text": ("请写明工会做了什么（最多 500 字），求助人会看到。",
                                "Say what the union did (at most 500 characters); the worker "
                                "reads it."),
    "request.need_kind": ("请选择是备注还是给求助人的进展。",
                          "Choose whether it is a note or an update for the worker."),
    "request.too_long": ("最多 500 字。", "At most 500 characters."),
    "request.same_union": ("求助已经在这个工会了。", "The request is with that union already."),
    "request.already_ack": ("这件求助已经受理过了；可以给求助人写进展。",
                            "This request is acknowledged already: write the worker an update "
                            "instead."),
    "request.wrong_state": ("这件求助已办结（{outcome}），不能再{action}。",
                            "This request is closed ({outcome}); it can no longer be {action}."),
    "done.req_acknowledge": ("已受理。求助人在链接上会看到工会已受理。",
                             "Acknowledged: the worker sees on their link that the union has "
                             "taken it up."),
    "done.req_note": ("已记下备注。", "The note is added."),
    "done.req_update": ("已记下进展，求助人在链接上能看到。", "The update is added: the worker "
                                                          "reads it on their link."),
    "done.req_close": ("已办结。求助人在链接上会看到结果，并可以评价。",
                       "Closed: the worker sees the outcome on their link and can rate it."),
    "done.req_hand_over": ("已转交给 {union}。", "Handed over to {union}."),
    "done.req_hand_over_out": ("已转交，这件求助已离开您的辖区。",
                               "Handed over: the request has left your area."),
    "home.requests": ("待处理的求助，最早到期的在前", "Open requests, nearest deadline first"),
    "home.requests_none": ("没有待处理的求助。", "No open requests."),
    "home.requests_more": ("查看全部 {n} 件待处理的求助", "See all {n} open requests"),
    "home.request_counts": ("求助，按问题类别", "Requests by category"),
    "count.req_open": ("待办结", "Open"),
    "count.req_overdue": ("逾期", "Overdue"),
    "count.req_escalated": ("已上报督办", "Escalated"),
    "count.req_closed": ("已办结", "Closed"),
    "count.req_share": ("办结中已解决的比例", "Share of closed ones solved"),
    "count.req_all": ("全部类别", "All categories"),
    "count.req_no_share": ("还没有办结的", "Nothing closed yet"),
    "below.requests": ("求助", "Requests"),
    "below.requests_note": ("求助按受理工会计入各行；已上报上级督办的仍算在受理工会一行。",
                            "Requests count in the line of the union that handles them; an "
                            "escalated one stays in the handling union's line."),
    "col.req_open": ("待办结求助", "Open requests"),
    "col.req_overdue": ("逾期求助", "Overdue requests"),
    "col.req_escalated": ("已上报督办", "Escalated requests"),
    "col.req_closed": ("已办结求助", "Closed requests"),
    "col.req_share": ("已解决比例", "Share solved"),
    "audit.title": ("操作记录", "Audit log"),
    "audit.gap_map": ("驿站覆盖缺口地图", "Gap map"),
    "audit.union_map": ("本工会区域地图", "Your union's map"),
    "audit.action": ("操作", "Action"),
    "audit.object": ("对象", "Object"),
    "audit.actor": ("操作人", "Who"),
    "audit.day": ("日期", "Day"),
    "audit.when": ("时间", "When"),
}

STATUS = {
    "submitted": ("已提交", "Submitted"),
    "contacted": ("已联系", "Contacted"),
    "approved": ("已通过", "Approved"),
    "rejected": ("未通过", "Not approved"),
    "merged": ("已并入同一人的申请", "Merged into the same person's application"),
    "withdrawn": ("申请人已撤回", "Withdrawn by the applicant"),
}
ACTION_WORD = {  # for "it can no longer be …"
    "contact": ("标记为已联系", "marked contacted"),
    "approve": ("通过", "approved"),
    "reject": ("不通过", "rejected"),
    "forward": ("转交", "forwarded"),
}
GROUP = {
    "food_delivery_rider": ("外卖骑手", "Food-delivery rider"),
    "courier": ("快递员", "Courier"),
    "truck_driver": ("货车司机", "Truck driver"),
    "care_worker": ("护工护理员", "Care worker"),
    "domestic_worker": ("家政服务员", "Domestic worker"),
    "mall_staff": ("商场信息员", "Mall staff"),
    "estate_agent": ("房产经纪人", "Estate agent"),
    "security_guard": ("保安员", "Security guard"),
    "other": ("其他", "Other"),
}
ROUTE = {
    "own_union": ("申请人单位自己的工会", "The employer's own union"),
    "area": ("工作地点在这个工会的区域内", "The workplace lies in this union's area"),
    "gap_fallback": ("工作地点不在任何下级工会的区域内，由覆盖它的上级工会受理",
                     "The workplace lies in no lower union's area: the union covering it "
                     "handles it"),
    "nearest_fallback": ("没有工会的区域覆盖工作地点，由最近的工会受理",
                         "No union's area covers the workplace: the nearest union handles it"),
    "forwarded": ("由另一工会转交过来", "Forwarded here by another union"),
    "membership": ("求助人是会员，由会籍所在的工会受理", "The worker is a member: the union of "
                                                      "the membership handles it"),
    "held_by_parent": ("待业期间由上级工会暂管", "Held one level up between jobs"),
    "not_covered": ("没有工会覆盖", "No union covers it"),
}
EVENT = {
    "submitted": ("提交申请", "Applied"),
    "contacted": ("已联系申请人", "Applicant contacted"),
    "forwarded": ("转交", "Forwarded"),
    "approved": ("通过，成为会员", "Approved: became a member"),
    "rejected": ("不通过", "Rejected"),
    "withdrawn": ("申请人撤回申请，个人信息已删除", "Withdrawn by the applicant; personal data erased"),
    "resubmitted": ("又收到一份电话或身份证号相同的申请，已并入本申请",
                    "Another application with the same phone or ID number was merged into this one"),
}
REPORT_KIND = {
    "closed": ("驿站关门了", "The station was closed"),
    "no_water": ("没有饮用水", "No drinking water"),
    "broken": ("设施损坏", "Something is broken"),
    "crowded": ("太拥挤", "Too crowded"),
    "wrong_location": ("位置不对", "In the wrong place"),
}
LEVEL = {
    "city": ("市", "city"), "district": ("区县", "district"), "street": ("街道", "street"),
    "community": ("社区", "community"), "grid": ("网格", "grid"),
}
STATION_STATUS = {
    "operational": ("正常开放", "Open"),
    "temporarily_closed": ("暂停开放", "Temporarily closed"),
    "planned": ("筹建中", "Planned"),
    "removed": ("已撤销", "Retired"),
}
AMENITY = {a.value: (zh, a.value.replace("_", " ")) for a, zh in AMENITY_LABELS_ZH.items()}
AUDIT_ACTION = {
    "read": ("查看", "read"), "list": ("查看列表", "listed"), "submit": ("提交", "submitted"),
    "submit_refused": ("提交被拒", "submission refused"), "contact": ("联系", "contacted"),
    "approve": ("通过", "approved"), "reject": ("不通过", "rejected"),
    "forward": ("转交", "forwarded"), "login": ("登录", "logged in"),
    "login_refused": ("登录失败", "login refused"), "create": ("新增", "created"),
    "update": ("修改", "changed"), "verify": ("实地核实", "verified"),
    "retire": ("撤销", "retired"), "resolve": ("处理", "resolved"),
    "transfer": ("转会籍", "transferred"), "transfer_in": ("转入", "transferred in"),
    "password_change": ("修改密码", "password changed"),
    "password_change_refused": ("修改密码失败", "password change refused"),
    "delete": ("删除", "deleted"),
    "transfer_out": ("转出", "transferred out"), "forward_in": ("转入申请", "forwarded in"),
    "contact_in": ("联系", "contacted"), "approve_in": ("通过", "approved"),
    "reject_in": ("不通过", "rejected"),
    "withdraw": ("撤回申请", "withdrew the application"),
    "erase": ("删除个人信息", "erased personal data"), "revoke": ("吊销", "revoked"),
    "rate": ("评价", "rated"), "acknowledge": ("受理", "acknowledged"), "note": ("记录", "noted"),
    "hand_over": ("转交", "handed over"), "close": ("办结", "closed"),
    "escalate": ("上报上级", "escalated"),
}
ACTOR = {
    "applicant": ("申请人", "applicant"), "worker": ("求助的劳动者", "worker asking for help"),
    "public": ("公众", "member of the public"), "system": ("系统", "the system"),
}
AUDIT_OBJECT = {
    "application": ("入会申请", "application"), "member": ("会员", "member"),
    "station": ("驿站", "station"), "station_report": ("驿站报告", "station report"),
    "officer": ("账号", "account"), "workplace": ("工作单位", "workplace"),
    "union": ("工会", "union"),
    "request": ("求助", "request for help"), "operator_key": ("设备密钥", "operator key"),
    "visit_batch": ("签到记录", "visit batch"),
}
CATEGORY = {c.value: (REQUEST_CATEGORY["zh"][c], REQUEST_CATEGORY["en"][c]) for c in Category}
OUTCOME = {o.value: (REQUEST_OUTCOME["zh"][o], REQUEST_OUTCOME["en"][o]) for o in Outcome}
REQUEST_STATUS = {
    "submitted": ("待受理", "Waiting to be taken up"),
    "acknowledged": ("已受理，办理中", "Acknowledged, in hand"),
    "closed": ("已办结", "Closed"),
}
REQUEST_EVENT = {
    "submitted": ("劳动者提交求助", "The worker asked"),
    "acknowledged": ("受理", "Acknowledged"),
    "note": ("备注（只有工会干部能看到）", "Note (officers only)"),
    "update": ("给求助人的进展", "Update for the worker"),
    "handed_over": ("转交", "Handed over"),
    "escalated": ("超过期限，上报上级督办", "Past the deadline: escalated one level up"),
    "closed": ("办结", "Closed"),
    "rated": ("求助人评价", "The worker rated it"),
}
REQUEST_ACTION = {  # for "it can no longer be …"
    "acknowledge": ("受理", "acknowledged"), "note": ("记录", "added to"),
    "hand_over": ("转交", "handed over"), "close": ("办结", "closed again"),
}
VOCABULARIES = {"status": STATUS, "action": ACTION_WORD, "group": GROUP, "route": ROUTE,
                "event": EVENT, "report_kind": REPORT_KIND, "level": LEVEL,
                "station_status": STATION_STATUS, "amenity": AMENITY,
                "audit_action": AUDIT_ACTION, "audit_object": AUDIT_OBJECT,
                "actor": ACTOR, "category": CATEGORY, "outcome": OUTCOME,
                "request_status": REQUEST_STATUS, "request_event": REQUEST_EVENT,
                "request_action": REQUEST_ACTION}


def text(lang: str, key: str, **values: Any) -> str:
    """The message `key` in `lang`, with `values` put in; a missing key is a bug (KeyError)."""
    message = MESSAGES[key][LANGS.index(lang)]
    return message.format(**values) if values else message


def word(lang: str, vocabulary: str, value: str) -> str:
    """A stored value (a status, a group…) in words; an unknown one shows as stored."""
    pair = VOCABULARIES[vocabulary].get(value)
    return pair[LANGS.index(lang)] if pair else value
