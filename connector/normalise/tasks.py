"""Task sentences: who leads, who cooperates, what is to be done, by when.

A directive assigns work in a few recurring shapes, all handled here:

* "Giao Sở X chủ trì, phối hợp với Sở Y và các đơn vị liên quan tham mưu …" (lead, cooperating);
* "Sở A, Sở B theo chức năng, nhiệm vụ …" / "Đề nghị UBND các huyện: X, Y và Z …" (co-leads:
  one task per unit, since each answers for its own part, Điều 5.1.c);
* a heading "2. Sở Nông nghiệp và PTNT:" followed by bullets "- Chủ trì, phối hợp với …";
* the commonest form of a công văn: an introduction to everyone ("yêu cầu các cơ quan, đơn vị
  thực hiện:", no task itself) and numbered paragraphs whose subject is the unit ("1. Sở X chủ
  trì, phối hợp với …", "2. Sở Y: chủ trì …", "a) Sở Z chủ trì …" even under "4. Các sở, ngành:").

Not tasks: the execution clause ("… chịu trách nhiệm thi hành Quyết định này"), the entry into
force, citations ("Căn cứ …"), narrative ("Sở X đã có Công văn …"), the recipients' list.
"""

from __future__ import annotations

import re
from datetime import date

from connector.domain import UnitRef
from connector.normalise.deadline import find_deadline
from connector.normalise.draft import Draft, TaskDraft
from connector.normalise.unit_lists import parse_units, starts_unit
from connector.normalise.units import Found, Lexicon, lexicon, pfold
from connector.textfold import fold

_MARKER_RE = re.compile(r"^(?:(Điều\s+\d+\s*[.:])|([IVX]+\.)|(\d+(?:\.\d+)*\s*[.)])|([a-zđ]\))|([-–+•*]))\s*")
_SKIP_RE = re.compile(
    r"(?i)thi hành (?:quyết định|chỉ thị|văn bản) này|chịu trách nhiệm thi hành"
    r"|có trách nhiệm (?:tổ chức )?(?:thực hiện|triển khai)(?: nghiêm| nghiêm túc)?(?: nội dung)?"
    r" (?:quyết định|chỉ thị|công điện) này|có hiệu lực (?:thi hành )?(?:kể )?từ"
    r"|^căn cứ\b(?![^;]*,\s*(?:giao|yêu cầu|đề nghị|chỉ đạo)\s)|^xét đề nghị|^(?:kính gửi|nơi nhận)\b"
    r"|^như (?:trên|điều)|^lưu:"
    r"|^(?:\S+\s+){0,6}thông báo (?:để|cho) .{0,60}biết|để .{0,40}biết,? (?:và )?thực hiện"
)
_ASSIGN_RE = re.compile(
    r"(?:^|(?<=[\s,;:]))(?<!được )(?<!theo )(?<!các )(?<!có )(?<!kính )(?<!Kính )"
    r"(Giao|giao|Yêu cầu|yêu cầu|Đề nghị|đề nghị|Chỉ đạo|Ủy quyền|Uỷ quyền|Phân công|Trân trọng đề nghị)"
    r"(?:\s+(?:cho|nhiệm vụ cho|các đồng chí|đồng chí))?\s*[:,]?\s+"
)
_NARRATIVE_RE = re.compile(r"^\s*(?:đã|đang|vừa|là|và|được|cũng|có Công văn|báo cáo rằng)\b")
_OBLIGATION = (
    "cần", "phải", "khẩn trương", "chủ động", "tập trung", "tiếp tục", "theo chức năng", "căn cứ chức năng",
    "có trách nhiệm", "chịu trách nhiệm", "chủ trì", "phối hợp", "tham mưu", "tổ chức", "triển khai",
    "thực hiện", "rà soát", "kiểm tra", "hướng dẫn", "chỉ đạo", "báo cáo", "xây dựng", "theo dõi", "đôn đốc",
    "tăng cường", "đẩy mạnh", "nghiên cứu", "xem xét", "giải quyết", "cung cấp", "phát huy", "quán triệt",
    "tuyên truyền", "bố trí", "thông tin", "bảo đảm", "đảm bảo", "tạm dừng", "tạm ngừng", "dừng", "kịp thời",
    "nghiêm túc", "nghiêm", "thường xuyên", "trả lời", "xử lý", "sớm", "lập", "hoàn thành", "hoàn thiện",
    "gửi", "tiếp thu", "cập nhật", "phổ biến", "vận động", "huy động", "ưu tiên", "bổ sung", "điều chỉnh",
    "chấn chỉnh", "khắc phục", "quản lý", "thẩm định", "trình", "đề xuất", "làm việc", "chuẩn bị", "tổng hợp",
    "rà", "đánh giá", "thống kê", "kiểm soát", "giám sát", "công khai", "tiếp nhận", "ứng phó", "phòng",
    "chống", "sắp xếp", "thông báo cho", "nắm", "phân bổ", "giải ngân", "hỗ trợ", "tiến hành", "thành lập",
    "duy trì", "bàn giao", "tiếp", "kiên quyết", "tuyệt đối", "nâng cao", "thông qua", "thống nhất",
    "kiện toàn",
    "mở", "đăng", "rút", "dành", "bám sát", "trực", "cử", "ký", "phê duyệt", "lấy ý kiến", "có ý kiến",
)  # fmt: skip
_PREDICATE_RE = re.compile(
    r"^\s*[:,]?\s*(?:(?:cần|phải|cũng|luôn|đồng thời|theo chức năng,? nhiệm vụ(?: được giao)?,?)\s+)*(?:"
    + "|".join(re.escape(w) for w in sorted(_OBLIGATION, key=len, reverse=True))
    + r")\b"
)
_COOP_RE = re.compile(r"phối hợp(?:\s+chặt chẽ)?(?:\s+với)?\s+")
_CO_BEFORE_RE = re.compile(r"^\s*(?:chủ trì)?\s*,?\s*")
_SENT_SPLIT_RE = re.compile(r"(?<=[.;])\s+(?=(?:Giao|Yêu cầu|Đề nghị|Thời hạn|Thời gian|[A-ZĐÀ-Ỹ]))")
_BODY = (
    r"(?:Sở|UBND|Ủy ban|Uỷ ban|Ban|Công an|Bộ|Cục|Chi cục|Trung tâm|Văn phòng|Chủ tịch|Giám đốc"
    r"|Thủ trưởng|[Cc]ác (?:sở|cơ quan|đơn vị|địa phương|ngành|huyện|xã|Sở))\b"
)
_UNREAD_RE = re.compile(  # work handed to a body that no task was made of: a clerk should read it
    rf"(?<!được )(?<!của )\b(?:[Gg]iao|[Yy]êu cầu|[Đđ]ề nghị|[Cc]hỉ đạo|[Pp]hân công)\s+(?:cho\s+)?{_BODY}"
    rf"|{_BODY}[^,.;:]{{0,80}}?\s(?<!đã )(?<!vừa )(?<!đang )"
    r"(?:chủ trì(?! (?:cuộc|buổi|hội|phiên|họp|làm việc))|(?:có|chịu) trách nhiệm|khẩn trương)\b"
)
_FOLLOW_RE = re.compile(
    r"(?i)^(?:thời hạn|thời gian(?: hoàn thành| thực hiện)?|hoàn thành|báo cáo kết quả)\b"
)


_KINH_GUI = pfold("kính gửi")
_ROLE_RE = re.compile(r"(?i)^(?:đơn vị |cơ quan )?(chủ trì|phối hợp)(?: thực hiện)?\s*:\s*")


def _paragraphs(draft: Draft) -> list[str]:
    """Body lines joined into paragraphs: a new one at a list marker or after end punctuation."""
    out: list[str] = []
    lex = lexicon(draft.maps)
    lines = draft.lines[draft.body_start : draft.body_end]
    in_recipients = False
    for i, line in enumerate(lines):
        if not line:  # a list item ending in ";" goes on past a blank line
            in_recipients = in_recipients and i > 0 and lines[i - 1].rstrip().endswith((";", ",", ":"))
            if out and out[-1]:
                out.append("")
            continue
        key = pfold(line)
        if key.startswith(_KINH_GUI) or re.search(r"\bđiên\s*:$", key):
            # "Kính gửi: Sở X." on one line closes the list; "Kính gửi:" opens it.
            in_recipients = not line.rstrip().endswith(".")
            continue
        if in_recipients and _is_recipient(line, lex):
            in_recipients = not line.rstrip().endswith(".")
            continue
        in_recipients = False
        if re.match(r"^QUYẾT ĐỊNH\s*:", line):
            continue
        ended = out and out[-1].endswith((".", ";", ":", "!", "?")) and not line[0].islower()
        broken = bool(out and out[-1]) and _OPEN_END_RE.search(out[-1]) is not None  # "tháng 10 và\n11. …"
        if not out or not out[-1] or (_MARKER_RE.match(line) and not broken) or ended:
            out.append(line)
        else:
            out[-1] = f"{out[-1]} {line}"
    return [p for p in out if p]


_OPEN_END_RE = re.compile(r"(?:\s(?:và|tháng|ngày|năm|số|của|các|với|hoặc|là|tại|từ|đến|trong)|,)$")
"""A line that cannot end a sentence: the next line goes on with it, even if it looks like an item."""


def _is_recipient(line: str, lex: Lexicon) -> bool:
    """A line of the "Kính gửi" list: a bullet, or a short line that is only a unit's name.

    "Kính gửi: Sở X;" may be followed straight by the body ("Để triển khai …, yêu cầu …:",
    "1. Sở X chủ trì …"): a numbered or long line, or one that does not start with a unit, ends
    the list.
    """
    if len(line) > 160 or _NUMBERED_RE.match(line) or _ROLE_WORD_RE.search(line):
        return False
    if line[0] in "-–—+•*":
        return True
    return starts_unit(line, pfold(line), 0, lex)


_NUMBERED_RE = re.compile(r"^(?:[IVX]+\.|\d+(?:\.\d+)*\s*[.)]|[a-zđ]\))\s")
_ROLE_WORD_RE = re.compile(r"\b(?:chủ trì|phối hợp|thực hiện|hoàn thành)\b")


def _sentences(text: str, lex: Lexicon, on: date | None) -> list[str]:
    """The sentences of a paragraph; a piece that is only a list of units ("Các Sở: Y tế, Xây dựng;")
    is not a sentence of its own but the start of the next ("UBND các huyện … có trách nhiệm …")."""
    out: list[str] = []
    for piece in _SENT_SPLIT_RE.split(text):
        if out and _only_units(out[-1], lex, on):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def _only_units(piece: str, lex: Lexicon, on: date | None) -> bool:
    """The piece ends in a list of units (after its verb or colon, if any) and a ";"."""
    body = _MARKER_RE.sub("", piece, count=1).strip()
    if not body.endswith(";"):
        return False
    starts = (
        [0] + [m.end() for m in _ASSIGN_RE.finditer(body)] + [m.end() for m in re.finditer(r":\s*", body)]
    )
    for start in sorted(set(starts), reverse=True)[:3]:
        if starts_unit(body, pfold(body), start, lex):
            _, end = parse_units(body, start, lex, on)
            if not body[end:].strip(" ;"):
                return True
    return False


def _marker_kind(paragraph: str) -> int:
    m = _MARKER_RE.match(paragraph)
    if not m:
        return 0
    return next(i for i, g in enumerate(m.groups(), start=1) if g)


def find_tasks(draft: Draft) -> Draft:
    """Step: every task of the body, with units resolved on the document's date and a deadline."""
    lex = lexicon(draft.maps)
    on = draft.issued_on or draft.received_on
    central = draft.issuer is not None and _CENTRAL_RE.match(draft.issuer.name) is not None
    addressee: list[Found] = []
    addressee_kind = -1
    last: list[TaskDraft] = []
    made_here: list[TaskDraft] = []
    title = ""
    pending: tuple[list[Found], str, str, int] | None = None
    """An introduction ("Chủ tịch UBND tỉnh yêu cầu X thực hiện các nội dung sau:"): if nothing
    follows it (an excerpt, a list cut off), it is the task itself."""
    for paragraph in _paragraphs(draft):
        kind = _marker_kind(paragraph)
        text = _MARKER_RE.sub("", paragraph, count=1).strip()
        if addressee and (kind in (1, 2) or (kind <= addressee_kind and kind != 0 and kind not in (4, 5))):
            addressee, addressee_kind = [], -1
            _flush(draft, pending, lex, on)
            pending = None
        if kind == 1:
            text = re.sub(r"^[^.:]{0,60}[.:]\s*$", "", text)  # "Điều 3. Tổ chức thực hiện" is a title
        if not text or _SKIP_RE.search(text):
            last = []
            continue
        role = _ROLE_RE.match(text) if kind in (4, 5) else None
        if role:  # a plan's table row: "- Đơn vị chủ trì: Sở X." / "- Đơn vị phối hợp: Sở Y."
            units, _ = parse_units(text, role.end(), lex, on)
            if units and role.group(1).lower() == "chủ trì":
                last = _emit(draft, units, title or text, "", lex, on)
            elif units:
                _add_cooperating(draft, last, units)
            continue
        heading = _heading(text, lex, on)
        if heading is not None:
            units, rest = heading
            addressee, addressee_kind = units, kind
            last = []
            if rest:
                last = _emit(draft, units, rest, rest, lex, on)
            continue
        made_here = []
        for sentence in _sentences(text, lex, on):
            sentence = sentence.strip()
            if not sentence:
                continue
            if _SKIP_RE.search(sentence):
                continue
            under_addressee = bool(addressee) and kind in (4, 5)
            if addressee and _OWN_ACTION_RE.match(
                sentence
            ):  # "Chỉ đạo công an các xã …" under "2. Công an tỉnh:"
                leads: list[Found] = []
                after = sentence
            else:
                leads, after = (
                    _own_leads(sentence, lex, on)
                    if under_addressee
                    else _leads(sentence, lex, on, central=central)
                )
            if leads and _is_intro(leads, after):  # "yêu cầu các cơ quan, đơn vị thực hiện:"
                addressee, addressee_kind = leads, kind
                pending = (leads, sentence, after, len(draft.tasks))
                continue
            if leads:
                made_here = _emit(draft, leads, sentence, after, lex, on)
                last = made_here
            elif addressee and kind in (4, 5, 3, 0) and not made_here and (kind != 0 or not last):
                made_here = _emit(draft, addressee, sentence, sentence, lex, on)
                last = made_here
            elif last and (_FOLLOW_RE.match(sentence) or made_here):
                _attach_deadline(draft, last, sentence)
            elif _UNREAD_RE.search(sentence) and not sentence.endswith(":"):
                draft.unread.append(sentence)
        title = text if kind in (2, 3) and not made_here else title
    _flush(draft, pending, lex, on)
    draft.tasks = _without_retold(draft.tasks)
    return draft


def _without_retold(tasks: list[TaskDraft]) -> list[TaskDraft]:
    """A task told twice (a summary line, then "Cụ thể, … giao Sở X …" in the same words) is one
    task: the later telling only lends a deadline the first did not have."""
    kept: list[TaskDraft] = []
    for task in tasks:
        twin = next((k for k in kept if _same_work(k, task)), None)
        if twin is None:
            kept.append(task)
        elif not _when(twin):
            twin.deadline, twin.deadline_time = task.deadline, task.deadline_time
            twin.deadline_text, twin.deadline_rule, twin.recurring = (
                task.deadline_text,
                task.deadline_rule,
                task.recurring,
            )
    return kept


def _when(task: TaskDraft) -> object:
    return task.deadline or task.deadline_rule or task.recurring


def _same_work(a: TaskDraft, b: TaskDraft) -> bool:
    if [fold(u.name) for u in a.leads] != [fold(u.name) for u in b.leads]:
        return False
    when_a, when_b = _when(a), _when(b)
    if when_a and when_b and when_a != when_b:
        return False
    words_a, words_b = set(fold(a.summary).split()), set(fold(b.summary).split())
    return len(words_a & words_b) >= 0.6 * min(len(words_a), len(words_b))


def _flush(
    draft: Draft, pending: tuple[list[Found], str, str, int] | None, lex: Lexicon, on: date | None
) -> None:
    """Emit an introduction as the task when no task followed it."""
    if pending is not None and len(draft.tasks) == pending[3]:
        leads, sentence, after, _ = pending
        _emit(draft, leads, sentence, after, lex, on)


_INTRO_RE = re.compile(r"^[^\d.;:]{0,150}:$")


def _is_intro(leads: list[Found], after: str) -> bool:
    """A list's introduction: "đề nghị các cơ quan, đơn vị thực hiện:", "yêu cầu Chủ tịch UBND các
    huyện tập trung triển khai một số nhiệm vụ:" (the items below are theirs)."""
    return _INTRO_RE.match(after.strip()) is not None


def _add_cooperating(draft: Draft, tasks: list[TaskDraft], units: list[Found]) -> None:
    """A plan's "Đơn vị phối hợp: …" row adds cooperating units to the task of the row above."""
    for task in tasks:
        seen = {u.name for u in [*task.leads, *task.cooperating]}
        for unit in units:
            if not unit.filler and unit.ref.name not in seen:
                seen.add(unit.ref.name)
                task.cooperating.append(unit.ref)
                if not draft.lead_only and (
                    unit.ref.code in draft.our_units or (unit.collective and unit.includes_departments)
                ):
                    task.concerns_us = True


def _heading(text: str, lex: Lexicon, on: date | None) -> tuple[list[Found], str] | None:
    """ "Sở Tài chính:" or "Giao Sở X:" (optionally followed by the task): an addressee line."""
    pos = 0
    m = _ASSIGN_RE.match(text)
    if m:
        pos = m.end()
    if not starts_unit(text, pfold(text), pos, lex):
        return None
    units, end = parse_units(text, pos, lex, on)
    after = _HEADING_ROLE_RE.sub("", text[end:].lstrip(), count=1)
    if units and after.startswith(":"):
        return units, after[1:].strip()
    return None


_HEADING_ROLE_RE = re.compile(
    r"^(?:(?:có|chịu) trách nhiệm|thực hiện|triển khai|chủ trì"
    r"|theo chức năng,? nhiệm vụ(?: được giao)?)\s*(?=:)"
)


def _leads(sentence: str, lex: Lexicon, on: date | None, *, central: bool) -> tuple[list[Found], str]:
    """Who must act in `sentence`, and what follows them.

    "X giao/yêu cầu/đề nghị Y …" gives Y; but in a letter from the centre (Văn phòng Chính phủ, a
    ministry) "Chủ tịch UBND tỉnh Phú Thọ chỉ đạo các sở …" relays the work to the province: its
    subject, not the sở it will direct, is who must act. "Y khẩn trương …" (a unit and what it must
    do) gives Y.
    """
    if central and starts_unit(sentence, pfold(sentence), 0, lex):
        units, end = parse_units(sentence, 0, lex, on)
        if units and _RELAY_RE.match(sentence[end:]) and not _is_speaker(units):
            return units, sentence[end:]
    sentence = _CONNECTOR_RE.sub("", sentence, count=1)
    for m in _BY_RE.finditer(sentence):  # "Kinh tế đô thị do Sở KH-ĐT chủ trì"
        units, end = parse_units(sentence, m.end(), lex, on)
        if units and _BY_ROLE_RE.match(sentence[end:]):
            return units, sentence[end:]
    for m in _ASSIGN_RE.finditer(sentence):
        units, end = parse_units(sentence, m.end(), lex, on)
        if units:
            return units, sentence[end:]
    if starts_unit(sentence, pfold(sentence), 0, lex):
        units, end = parse_units(sentence, 0, lex, on)
        rest = sentence[end:]
        if units and _is_predicate(rest) and not _is_issuing_level(units):
            return units, rest
    return [], sentence


_OWN_ACTION_RE = re.compile(r"^(?:Chỉ đạo|Hướng dẫn|Phối hợp|Đôn đốc|Kiểm tra)\s")
_NOT_PREDICATE_RE = re.compile(
    r"^\s*(?:của|tại|về|với|trong|trên|cho biết|cho rằng|cho|và|hoặc|là|được|đã|đang|vừa|có|ban hành|"
    r"thông báo|cũng|năm|ngày|tháng|số|thì|nêu|gồm|này|đó|kính|mới|xin|vẫn|còn|nói|tỉnh|huyện|nhận|đến|"
    r"đi|ra|vào|lúc|khi|do|bị|nên|mà|như|từ|sau|trước|giữa|qua|theo|thuộc|trực thuộc|phụ trách|"
    r"chỉ|hiện|đều|sẽ|ngay|kể|tổ chức (?:hội nghị|họp|lễ)|báo cáo (?:cho biết|rằng)"
    r"|yêu cầu|giao|đề nghị|truyền đạt|chuyển|quyết định|phân công|ủy quyền|uỷ quyền)\b"
)  # the last: a subject handing work out speaks, it is not who must act ("UBND tỉnh X yêu cầu …")


def _is_predicate(rest: str) -> bool:
    """What follows a unit at a sentence's start makes it the one who must act: an obligation or an
    action verb ("Sở Y tế khẩn trương …", "UBND xã sử dụng kinh phí …"), not narrative ("Sở Y tế đã
    …", "Sở Y tế cho biết …") nor a phrase about the unit ("Sở Y tế tỉnh …", "… của …")."""
    if _PREDICATE_RE.match(rest):
        return True
    stripped = rest.lstrip(" :,")
    return bool(stripped) and stripped[0].islower() and not _NOT_PREDICATE_RE.match(stripped)


def _own_leads(sentence: str, lex: Lexicon, on: date | None) -> tuple[list[Found], str]:
    """Under a heading ("4. Các sở, ngành:"), a bullet "a) Sở Y tế chủ trì …" names its own lead."""
    if not starts_unit(sentence, pfold(sentence), 0, lex):
        return [], sentence
    units, end = parse_units(sentence, 0, lex, on)
    rest = sentence[end:].lstrip()
    if units and not any(u.collective for u in units) and _OWN_ROLE_RE.match(rest):
        return units, sentence[end:]
    return [], sentence


_OWN_ROLE_RE = re.compile(r"^(?::\s*)?(?:chủ trì|chịu trách nhiệm|phối hợp|tham mưu|theo chức năng)\b")
_PROVINCE_SELF_RE = re.compile(  # "UBND tỉnh", "UBND tỉnh Bắc Kạn", "Ủy ban nhân dân Thành phố Hà Nội"
    r"(?i)^(?:chủ tịch )?(?:ubnd|[uủ][ỷy] ban nhân dân) (?:tỉnh|thành phố|tp\.?)(?: [^\W\d_][\w-]*){0,3}$"
    r"|^chủ tịch$"
)


_CONNECTOR_RE = re.compile(
    r"^(?:Riêng|Đồng thời|Ngoài ra|Trong đó|Bên cạnh đó|Theo đó|Mặt khác|Cụ thể|Tiếp đó|Sau đó|Trước mắt"
    r"|Trước hết|Đặc biệt|Nhất là|Cùng với đó|Song song)\s*,?\s+"
)
_BY_RE = re.compile(r"(?:^|(?<=\s))do\s+")
_BY_ROLE_RE = re.compile(r"^\s*(?:chủ trì|phụ trách|làm đầu mối|thực hiện)\b")
_RELAY_RE = re.compile(r"^\s*(?:(?:đã|vừa|cần|phải|khẩn trương)\s+)?(?:chỉ đạo|giao|yêu cầu|đề nghị)\s")
_CENTRAL_RE = re.compile(r"(?i)^(?:văn phòng chính phủ|chính phủ|thủ tướng|phó thủ tướng|bộ\s)")


def _is_speaker(units: list[Found]) -> bool:
    """The centre speaking of itself ("Thủ tướng Chính phủ yêu cầu …"), not an addressee."""
    return any(_CENTRAL_RE.match(u.ref.name) for u in units)


def _is_issuing_level(units: list[Found]) -> bool:
    """ "UBND tỉnh ban hành Kế hoạch như sau:": the province speaking of itself, not an assignee."""
    return len(units) == 1 and _PROVINCE_SELF_RE.match(units[0].ref.name) is not None


def _coop(after: str, lex: Lexicon, on: date | None) -> list[Found]:
    found: list[Found] = []
    for m in _COOP_RE.finditer(after):
        units, _ = parse_units(after, m.end(), lex, on)
        found += units
    before = re.match(r"^\s*chủ trì\s*,\s*", after)
    if before:
        units, end = parse_units(after, before.end(), lex, on)
        if units and after[end:].lstrip().startswith(("phối hợp", "cùng phối hợp")):
            found += units
    return found


def _emit(
    draft: Draft, leads: list[Found], sentence: str, after: str, lex: Lexicon, on: date | None
) -> list[TaskDraft]:
    coop = [c for c in _coop(after, lex, on) if not c.filler]
    lead_units = [u for u in leads if not u.filler] or leads
    dl = find_deadline(sentence, issued_on=draft.issued_on, received_on=draft.received_on, cal=draft.cal)
    made = []
    summary = sentence.strip()
    cut = after is not sentence and after.lstrip()[:1].isupper()  # "các phòng | Giáo dục …": cut
    for lead in lead_units:
        task = TaskDraft(
            summary=summary,
            leads=[lead.ref],
            cooperating=_distinct([c.ref for c in coop], besides=lead.ref.name),
            deadline=dl.on,
            deadline_time=dl.at,
            deadline_text=dl.text,
            deadline_rule=dl.rule,
            recurring=dl.recurring,
            flags=[*dl.flags, *(["lead_cut"] if cut and lead is lead_units[-1] else [])],
            collective=lead.collective,
        )
        task.concerns_us = _concerns(draft, lead, coop)
        draft.tasks.append(task)
        made.append(task)
    return made


def _distinct(units: list[UnitRef], *, besides: str) -> list[UnitRef]:
    """`units` without repeats and without the lead itself, in order."""
    seen = {besides}
    out = []
    for unit in units:
        if unit.name not in seen:
            seen.add(unit.name)
            out.append(unit)
    return out


def _concerns(draft: Draft, lead: Found, coop: list[Found]) -> bool:
    if lead.ref.code in draft.our_units or (lead.collective and lead.includes_departments):
        return True
    if draft.lead_only:
        return False
    return any(c.ref.code in draft.our_units or (c.collective and c.includes_departments) for c in coop)


def _attach_deadline(draft: Draft, tasks: list[TaskDraft], sentence: str) -> None:
    """A follow-up sentence ("Thời gian hoàn thành: …") gives its deadline to the task before it."""
    dl = find_deadline(sentence, issued_on=draft.issued_on, received_on=draft.received_on, cal=draft.cal)
    if dl.candidates == 0:
        return
    for task in tasks:
        has = task.deadline or task.deadline_rule or task.recurring
        if has and (task.deadline, task.deadline_rule, task.recurring) != (dl.on, dl.rule, dl.recurring):
            task.flags.append("two_deadlines")
            continue
        task.deadline, task.deadline_time, task.deadline_text = dl.on, dl.at, dl.text
        task.deadline_rule, task.recurring = dl.rule, dl.recurring
        task.flags += dl.flags
        task.summary = f"{task.summary} {sentence}"
