"""Follow-ups: the earlier documents a directive acts on, and what it does to them (issue 14).

Much of what a province sends is about work it gave before: it urges it ("đôn đốc", "khẩn trương
… tại Kế hoạch số …"), extends it or moves its deadline ("gia hạn", "kéo dài thời gian",
"điều chỉnh thời hạn … đến ngày …"), adds to it ("bổ sung … vào Kế hoạch số …"), ends it ("bãi
bỏ", "thu hồi", "thay thế Quyết định số …") or keeps it going ("tiếp tục thực hiện Công văn số
…"). Read as a new directive, such a letter makes a second task for the same work with the wrong
deadline, and the first task never learns of it. This step finds each reference, decides the
action the way a careful clerk would, and marks the tasks read from the same sentence as the
earlier work stated again (`TaskDraft.follows`), so that intake updates the earlier task.

The clerk's rules, in the order they are applied to each reference:

* the document's own number, and references in a legal basis ("Căn cứ …", "Xét đề nghị …",
  "Thực hiện Công văn số … của Bộ …" before anything is asked) are no follow-up;
* a national document (Thủ tướng, Chính phủ, a ministry, the Party centre) cited by a province
  is the policy it carries out, not work of the province's own that the department tracks; it
  is a follow-up only in a national body's own letter;
* laws, decrees, circulars and resolutions are ended (replaced, repealed) but never urged or
  continued; proposals and reports (Tờ trình, Báo cáo) are never acted on;
* the action is the word that governs the reference in its clause: the strongest of end, deadline,
  addition, urging, continuing; "thay thế", "bãi bỏ", "thu hồi" only directly before it; carrying
  a document out ("thực hiện", "triển khai", "quán triệt") counts only where someone is asked to;
  the subject of another document ("… về việc gia hạn …") is not this document's act;
* a list ("Công điện số A, Công văn số B và Thông báo số C") shares the action of its head;
* "các văn bản nêu trên", "Công văn trên" act on the references of the sentences before;
  "nội dung trên" too, but only in a letter that urges work not yet done;
* a letter that says the earlier work is late ("chưa báo cáo", "vẫn chưa thực hiện") urges what it
  asks to carry out.

Doubts are said, not guessed: an end of part of a document ("bãi bỏ khoản 2 Điều 1 …"), an
extension without a new date, an amendment ("sửa đổi, bổ sung …"), an urging subject without a
number each become a Vietnamese review reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from connector.domain import FollowAction, FollowUp, UnitRef
from connector.normalise.citations import (
    AND_RE,
    ASSIGN_RE,
    DATE,
    REPORTED_RE,
    TYPES,
    Citation,
    Sentence,
    cites,
    cue,
    read_date,
    read_sentences,
)
from connector.normalise.deadline import find_deadline
from connector.normalise.draft import Draft
from connector.normalise.lookups import lookups
from connector.normalise.units import pfold

A = FollowAction
_NEVER_ACTED_ON = frozenset(pfold(t) for t in ("tờ trình", "báo cáo"))
_ONLY_ENDED = frozenset(pfold(t) for t in ("nghị định", "thông tư", "nghị quyết"))
_UNTIL_RE = re.compile(pfold(r"(?:đến|tới|sang)\s+(?:hết\s+)?(?:ngày\s*)?") + DATE)

_CENTRAL_CODE_RE = re.compile(
    r"^(?:TTG|CP|VPCP|TW|TTCP|KTNN|NHNN|UBDT|QH\d*|UBTVQH\d*|B(?:CT|TC|YT|NV|TP|CA|QP|NG|XD|GTVT|GDĐT|GDDT"
    r"|TNMT|KHĐT|KHDT|KH|NN|NNPTNT|NNMT|LĐTBXH|LDTBXH|VHTTDL|TTTT|KHCN|DTTG)|LĐTBXH|BVTV)$"
)
_CENTRAL_NAME_RE = re.compile(
    pfold(
        r"^(?:thủ tướng|phó thủ tướng|chính phủ|văn phòng chính phủ|bộ |ban bí thư|bộ chính trị"
        r"|ban chấp hành trung ương|trung ương|quốc hội|ủy ban thường vụ quốc hội)"
    )
)


_CUES: tuple[tuple[FollowAction | None, re.Pattern[str], int], ...] = (
    (A.WITHDRAW, cue(r"\b(?:bãi bỏ|hủy bỏ|thu hồi|hủy|hết hiệu lực)\b"), 80),
    (A.REPLACE, cue(r"\bthay thế(?: cho)?\b"), 80),
    (
        A.EXTEND,
        cue(r"\b(?:gia hạn|kéo dài thời (?:gian|hạn)|lùi thời (?:gian|hạn)|giãn thời (?:gian|hạn))\b"),
        320,
    ),
    (
        A.CHANGE_DEADLINE,
        cue(
            r"\b(?:điều chỉnh (?:lại )?(?:thời hạn|thời gian|mốc thời gian|tiến độ|hạn)"
            r"|thay đổi (?:thời hạn|thời gian)|chuyển thời (?:gian|hạn))\b"
        ),
        320,
    ),
    (None, cue(r"\b(?:sửa đổi|điều chỉnh)\b"), 120),  # an amendment: a doubt, not an action
    (A.ADD, cue(r"\bbổ sung\b"), 120),
    (A.URGE, cue(r"\b(?:đôn đốc|nhắc nhở|nhắc lại|chấn chỉnh|khẩn trương)\b"), 220),
    (A.CONTINUE, cue(r"\btiếp tục\b"), 220),
)
_IMPLEMENT_RE = cue(
    r"\b(?:triển khai|tổ chức thực hiện|quán triệt|thực hiện|kiểm tra|áp dụng|duy trì|chấp hành)\b"
)
_STRENGTH = {
    A.WITHDRAW: 6,
    A.REPLACE: 6,
    A.EXTEND: 5,
    A.CHANGE_DEADLINE: 5,
    A.ADD: 4,
    A.URGE: 3,
    A.CONTINUE: 2,
}
_ADJACENT_RE = cue(
    r"^\s*(?:(?:toàn bộ|một phần|các|những|nội dung|quy định|văn bản|sau|sau đây|đã ban hành)\s*:?\s*)*"
    r"(?:(?:khoản|điểm|mục|tiết|phần|điều|chương)\s+[\divxa-zđ]+[\s.,]*(?:(?:của|tại)\s+)?)*$"
)
"""Between "bãi bỏ"/"thay thế" and the reference: only words naming the document or its part."""
_PART_RE = cue(
    r"\b((?:khoản|điểm|mục|tiết|phần|điều|chương)\s+[\divxa-zđ]+"
    r"(?:\s*[.,]?\s*(?:khoản|điểm|mục|tiết|phần|điều|chương)\s+[\divxa-zđ]+)*)\s*,?\s*(?:của|tại)?\s*$"
)
_SUBJECT_OF_RE = cue(r"\b(?:về việc|về|v/v)\s+(?:[^\s]+\s+)?$")
_AMEND_BEFORE_RE = cue(r"\b(?:sửa đổi|điều chỉnh)\s*,?\s*(?:và\s+)?$")
_NARRATIVE_RE = cue(r"\b(?:đã|đang|vừa)\s+$")
_GUIDE_RE = cue(r"\btheo (?:quy định|hướng dẫn)(?: (?:tại|của))?\s*$")
_BREAK_RE = cue(
    r";|\b(?:nhằm|để|đồng thời|trình|gửi|kèm|xin|giao(?! dịch| thông| lưu)|đề nghị|yêu cầu|báo cáo"
    r"|trong đó)\b"
)
"""Words that end a list of references: what follows is another clause, not one more item."""
_ABOVE = pfold("trên")
_BACK_RE = cue(
    r"\b(?:(?:các|những)\s+)?(?:văn bản|công văn|kế hoạch|quyết định|chỉ thị|thông báo|công điện)"
    r"(?:\s+chỉ đạo)?\s+(?:(?:nêu|kể|đã nêu|đã dẫn)\s+)?trên\b|\b(?:các |những )?(nội dung) (?:nêu )?trên\b"
)
_LATE_RE = cue(
    r"\b(?:chưa|vẫn chưa|chậm)\s+(?:được\s+)?(?:thực hiện|triển khai|trình|báo cáo|nộp|gửi|hoàn thành"
    r"|cung cấp|có báo cáo|xử lý|giải quyết)\b|\bchưa nhận được\b[^.]{0,60}\bbáo cáo\b|\bchậm tiến độ\b"
)
_URGING_RE = cue(r"\b(?:đôn đốc|nhắc nhở)\b")
_URGING_OF_RE = cue(r"\b(?:v/v|về việc)\s+(?:đôn đốc|nhắc nhở)\b")
"""A letter about urging ("V/v đôn đốc thực hiện …"): what it asks to carry out, it urges."""
_SUBJECT_CUE_RE = cue(
    r"\b(đôn đốc|nhắc nhở|gia hạn|kéo dài thời (?:gian|hạn)|điều chỉnh thời (?:hạn|gian)|thu hồi|bãi bỏ"
    r"|hủy bỏ|thay thế)\b[^.]{0,80}?\b(?:văn bản|công văn|kế hoạch|quyết định|chỉ thị|thông báo|công điện"
    r"|nhiệm vụ)\b"
)


@dataclass
class _Found:
    """A follow-up being assembled from its mentions."""

    ref: Citation
    action: FollowAction
    new_deadline: date | None = None
    spans: list[str] = field(default_factory=list)


def find_follow_ups(draft: Draft) -> Draft:
    """Step (after the tasks): the document's follow-ups, and which of its tasks state them again."""
    folded = pfold(draft.text)
    if not cites(draft) and not _points_back(folded):
        _doubts(draft)  # cites nothing (most letters): only the subject can still raise a doubt
        return draft
    sentences = read_sentences(draft)
    central_self = _central_self(draft) or _reports_central(draft, sentences)
    late = (
        _LATE_RE.search(folded) is not None
        or _URGING_OF_RE.search(folded) is not None
        or _URGING_RE.search(pfold(draft.subject or "")) is not None
    )
    found: dict[str, _Found] = {}
    own = _key(draft.number)
    for i, sentence in enumerate(sentences):
        for ref in sentence.refs:
            _decide(sentence, ref, late=late)
        for ref in sentence.refs:
            if ref.amend and ref.action is None and _eligible(draft, ref, own, central_self=central_self):
                draft.review(
                    f"Văn bản sửa đổi, điều chỉnh {ref.doc_type} số {ref.number}: cần văn thư kiểm tra "
                    "nhiệm vụ, thời hạn nào của văn bản đó thay đổi"
                )
            if ref.action is not None and _eligible(draft, ref, own, central_self=central_self):
                _add(draft, found, ref, ref.action, sentence)
        _back_references(draft, sentences, i, found, own, central_self=central_self, late=late)
    draft.follow_ups = [
        FollowUp(
            number=f.ref.number,
            action=f.action,
            issuer=_issuer(draft, f.ref),
            issued_on=f.ref.issued_on,
            new_deadline=f.new_deadline,
            part=f.ref.part,
            doc_type=f.ref.doc_type,
        )
        for f in found.values()
    ]
    _mark_tasks(draft, list(found.values()))
    _doubts(draft)
    return draft


# -- deciding the action ---------------------------------------------------------------------------


def _decide(s: Sentence, ref: Citation, *, late: bool) -> None:
    """The action that governs `ref` in its clause, else the action of the list it goes on."""
    index = next((i for i, r in enumerate(s.refs) if r is ref), -1)
    window_start = max(0, ref.start - 320, s.folded.rfind(";", 0, ref.start) + 1)
    best: tuple[int, int, FollowAction | None] | None = None
    for action, pattern, reach in _CUES:
        for m in pattern.finditer(s.folded, max(window_start, ref.start - reach), ref.start):
            if not _governs(s, ref, m, action):
                continue
            act = action
            if act is A.ADD and _AMEND_BEFORE_RE.search(s.folded, max(0, m.start() - 16), m.start()):
                act = None  # "sửa đổi, bổ sung …": an amendment
            strength = _STRENGTH[act] if act else 1
            if best is None or (strength, m.start()) > (best[0], best[1]):
                best = (strength, m.start(), act)
            if act is None:
                ref.amend = True
    implement = [
        m
        for m in _IMPLEMENT_RE.finditer(s.folded, max(window_start, ref.start - 160), ref.start)
        if _asked_before(s, m.start()) and _governs(s, ref, m, A.CONTINUE)
    ]
    if best is not None and best[2] is not None:
        ref.action, ref.cue_at = best[2], best[1]
    elif implement:
        ref.action, ref.cue_at = A.CONTINUE, implement[-1].start()
    elif index > 0 and _listed_after(s, s.refs[index - 1], ref):
        ref.action, ref.cue_at = s.refs[index - 1].action, s.refs[index - 1].cue_at
    if ref.action is A.CONTINUE and late:
        ref.action = A.URGE
    if ref.action in (A.WITHDRAW, A.REPLACE, A.EXTEND, A.CHANGE_DEADLINE):
        part = _PART_RE.search(s.folded, max(0, ref.start - 60), ref.start)
        ref.part = s.text[part.start(1) : part.end(1)] if part else None


def _governs(s: Sentence, ref: Citation, cue: re.Match[str], action: FollowAction | None) -> bool:
    """Whether the cue word is this document's act on `ref` (not narrative, not another's subject)."""
    between = s.folded[cue.end() : ref.start]
    if action in (A.WITHDRAW, A.REPLACE) and not _ADJACENT_RE.match(between):
        return False
    if _NARRATIVE_RE.search(s.folded, max(0, cue.start() - 8), cue.start()):
        return False
    if any(r.end <= cue.start() < r.tail_end for r in s.refs):
        return False  # inside another reference's own date and issuer
    reported = REPORTED_RE.search(s.folded, max(cue.end(), ref.start - 30), ref.start)
    if reported and ref.folded_type:
        return False  # "… ban hành Quyết định số …": the act told is the verb's, not the cue's
    if any(cue.end() <= r.start < ref.start for r in s.refs if r is not ref):
        return False  # the cue governs the nearer reference; a list passes it on (`_listed_after`)
    if action is A.CONTINUE and _GUIDE_RE.search(s.folded, max(cue.end(), ref.start - 30), ref.start):
        return False  # "theo hướng dẫn tại Công văn số …": guidance followed, not work continued
    if _SUBJECT_OF_RE.search(s.folded, max(0, cue.start() - 16), cue.start()):
        before = [r for r in s.refs if r.tail_end <= cue.start()]
        if not before or not REPORTED_RE.search(s.folded, max(0, before[-1].start - 30), before[-1].start):
            return False  # "Nghị quyết số … về sửa đổi …": what another document was about
    return True


def _asked_before(s: Sentence, at: int) -> bool:
    """Someone is asked to act before position `at` (carrying a document out is then this one's ask)."""
    return ASSIGN_RE.search(s.folded, 0, at) is not None


def _listed_after(s: Sentence, before: Citation, ref: Citation) -> bool:
    """`ref` goes on the list `before` heads ("…, Công văn số …, … và Thông báo số …")."""
    if before.action is None:
        return False
    gap = s.folded[before.tail_end : ref.start]
    glued = any(c in gap for c in ",(") or AND_RE.search(gap) is not None or not gap.strip()
    return glued and len(gap) <= 250 and _BREAK_RE.search(gap) is None


def _eligible(draft: Draft, ref: Citation, own: str | None, *, central_self: bool) -> bool:
    """See the module docstring: not our own number, not a basis, not a national policy, not a proposal."""
    if _key(ref.number) == own or ref.basis or ref.folded_type in _NEVER_ACTED_ON:
        return False
    if ref.folded_type in _ONLY_ENDED and ref.action not in (A.WITHDRAW, A.REPLACE):
        return False
    return central_self or not _central(draft, ref)


def _central(draft: Draft, ref: Citation) -> bool:
    segments = re.split(r"[-/]", ref.number.upper().replace(".", ""))[1:]
    if any(_CENTRAL_CODE_RE.match(seg) or seg.endswith("TTG") for seg in segments):
        return True
    return bool(ref.issuer) and _CENTRAL_NAME_RE.match(pfold(ref.issuer or "")) is not None


def _central_self(draft: Draft) -> bool:
    """The document is a national body's own: then it follows up national documents too."""
    if draft.issuer is not None and (
        draft.maps.is_national(draft.issuer.code) or _CENTRAL_NAME_RE.match(pfold(draft.issuer.name))
    ):
        return True
    segments = re.split(r"[-/]", (draft.number or "").upper())[1:]
    return any(_CENTRAL_CODE_RE.match(seg) for seg in segments)


def _points_back(folded: str) -> bool:
    return _ABOVE in folded and _BACK_RE.search(folded) is not None


def _reports_central(draft: Draft, sentences: list[Sentence]) -> bool:
    """A news item without the document's header tells of one document ("Thủ tướng … vừa ký Công
    điện số 07/CĐ-TTg …"): when the first document it reports is a national one, so is its level."""
    if draft.number is not None:
        return False
    for s in sentences:
        for ref in s.refs:
            if REPORTED_RE.search(s.folded, max(0, ref.start - 30), ref.start):
                return _central(draft, ref)
    return False


def _back_references(
    draft: Draft,
    sentences: list[Sentence],
    i: int,
    found: dict[str, _Found],
    own: str | None,
    *,
    central_self: bool,
    late: bool,
) -> None:
    """ "tiếp tục thực hiện các văn bản nêu trên": the references of the nearest sentence before."""
    s = sentences[i]
    if _ABOVE not in s.folded:
        return
    for m in _BACK_RE.finditer(s.folded):
        if any(r.start <= m.start() < r.tail_end for r in s.refs):
            continue
        probe = Citation(m.start(), m.end(), "", "", "", tail_end=m.end())
        _decide(s, probe, late=late)
        if probe.action is None or (m.group(1) and not (late and probe.action is A.URGE)):
            continue
        earlier = _antecedents(sentences, i, m.start(), m.group(0))
        if earlier is None:
            draft.review(
                f"Văn bản {probe.action.label} «{s.text[m.start() : m.end()]}» nhưng không rõ là văn bản "
                "số nào: cần văn thư xác định văn bản đó"
            )
            continue
        earlier = [
            r for r in earlier if r.basis != "legal" and _eligible(draft, r, own, central_self=central_self)
        ]
        for ref in earlier:
            carried = Citation(**{**vars(ref), "start": m.start(), "end": m.end(), "tail_end": m.end()})
            carried.cue_at = probe.cue_at
            _add(draft, found, carried, probe.action, s)


def _antecedents(sentences: list[Sentence], i: int, at: int, phrase: str) -> list[Citation] | None:
    """What "… nêu trên" points to: the nearest references before it, of the kind it names
    ("công văn trên") if it names one. A legal basis before the sentence counts (then it is no
    follow-up); one in the sentence's own "Căn cứ …" clause is its authority, not what it points
    to. None when there is nothing before it to point to."""
    kinds = [t for t in (pfold(t) for t in TYPES) if t != pfold("văn bản") and phrase.find(t) >= 0]
    own = [r for r in sentences[i].refs if r.start < at and r.basis != "legal"]
    for group in [own, *(back.refs for back in sentences[max(0, i - 4) : i][::-1])]:
        hits = [r for r in group if r.folded_type in kinds] if kinds else group
        if hits:
            return hits
    return None


def _add(draft: Draft, found: dict[str, _Found], ref: Citation, action: FollowAction, s: Sentence) -> None:
    """One more mention: the strongest action wins; a new date is kept from any mention."""
    key = _key(ref.number) or ref.number
    when = _new_deadline(draft, s, ref, action)
    span = " ".join(s.text[max(ref.cue_at, 0) : ref.end].split())
    f = found.get(key)
    if f is None:
        found[key] = _Found(ref, action, when, [span])
        return
    f.spans.append(span)
    if _STRENGTH[action] > _STRENGTH[f.action]:
        f.action = action
    f.new_deadline = f.new_deadline or when
    f.ref.issued_on = f.ref.issued_on or ref.issued_on
    f.ref.issuer = f.ref.issuer or ref.issuer
    f.ref.part = f.ref.part or ref.part


def _new_deadline(draft: Draft, s: Sentence, ref: Citation, action: FollowAction) -> date | None:
    """The date the earlier work now has: "đến (hết) ngày …" after an extension, else the clause's
    own deadline ("khẩn trương … trước ngày …"); the cited documents' own dates are no deadline."""
    if action in (A.WITHDRAW, A.REPLACE, A.ADD):
        return None
    text = list(s.text)
    for r in s.refs:  # blank every reference with its own date and issuer
        text[r.start : r.tail_end] = "_" * (r.tail_end - r.start)
    rest = "".join(text)[max(ref.cue_at, 0) :]
    if action in (A.EXTEND, A.CHANGE_DEADLINE):
        m = _UNTIL_RE.search(pfold(rest))
        if m:
            return read_date(m)
    dl = find_deadline(rest, issued_on=draft.issued_on, received_on=draft.received_on, cal=draft.cal)
    return dl.on if dl.rule is None and dl.recurring is None else None


# -- what the document's own tasks are, and the doubts ---------------------------------------------


def _mark_tasks(draft: Draft, found: list[_Found]) -> None:
    """A task read from the sentence of an urging, extending, continuing or ending follow-up is the
    earlier work stated again: mark it, so intake updates the earlier task instead of adding one."""
    for task in draft.tasks:
        summary = " ".join(task.summary.split())
        for i, f in enumerate(found):
            if f.action.restates and any(
                span and (span in summary or span[-60:] in summary) for span in f.spans
            ):
                task.follows.append(i)
                if "follow_up" not in task.flags:
                    task.flags.append("follow_up")


def _doubts(draft: Draft) -> None:
    for f in draft.follow_ups:
        if f.part and f.action in (A.WITHDRAW, A.REPLACE):
            draft.review(
                f"Văn bản {f.action.label} {f.part} của {f.label}, không phải toàn bộ văn bản: cần văn thư "
                "đánh dấu những nhiệm vụ kết thúc"
            )
        if f.action in (A.EXTEND, A.CHANGE_DEADLINE) and f.new_deadline is None:
            draft.review(
                f"Văn bản {f.action.label} nhiệm vụ của {f.label} nhưng không ghi thời hạn mới: cần văn thư "
                "ghi thời hạn mới của nhiệm vụ (nếu có)"
            )
    subject = pfold(draft.subject or "")
    cue = _SUBJECT_CUE_RE.search(subject)
    if cue and not draft.follow_ups:
        draft.review(
            f"Trích yếu cho biết văn bản {(draft.subject or '')[cue.start(1) : cue.end(1)].lower()} văn bản "
            "trước, nhưng không tìm thấy số văn bản đó: cần văn thư xác định văn bản và nhiệm vụ liên quan"
        )


def _issuer(draft: Draft, ref: Citation) -> UnitRef | None:
    """The cited issuer as written, with its code when mappings/issuers.toml (or bodies.toml) knows it."""
    if not ref.issuer:
        return None
    on = ref.issued_on or draft.issued_on
    record = lookups(draft.maps).issuer(ref.issuer, on)
    if record is not None:
        return UnitRef(ref.issuer, record.code)
    body = draft.maps.resolve_unit(ref.issuer, on)
    return body if draft.maps.is_national(body.code) else UnitRef(ref.issuer)


def _key(number: str | None) -> str | None:
    return re.sub(r"[\s.\-–/]+", "", pfold(number)).replace("đ", "d") if number else None
