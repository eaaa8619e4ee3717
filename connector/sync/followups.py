"""A document's follow-ups applied to the register: the earlier tasks learn what a later letter did.

The normaliser says which earlier documents a letter acts on and how (`NormalisedDocument.follows_up`,
`connector.normalise.followups`). Here, inside the letter's write transaction, each one is looked
up in the register and applied, once:

- the earlier document is found by its number (the merge key's form) and, when the letter gives
  it, its date; its issuer, when known, settles a tie. Not found, or found twice: the letter goes
  to review with the cited number (a clerk finds it; nothing is guessed);
- extend / change the deadline, or urge and continue with a new date: each task of the earlier
  document (those of the same lead units as the letter's own sentence, else all) gets the new
  deadline through `record_status_change`, so the change reaches the portal through the outbox
  when the profile pushes that origin, and a `TaskHistory` row keeps the old and new deadline,
  the letter and when. A task already done keeps its deadline;
- urge, continue: a `TaskHistory` row on each earlier task ("đôn đốc", "tiếp tục thực hiện");
- withdraw, replace the whole document: it becomes "revoked" or "replaced", the states every view,
  report and reminder already honours (`connector.sync.lifecycle`); pending pushes of a withdrawn
  document are held; each task's history says by which letter it ended. Part of a document
  ("bãi bỏ khoản 2 …") changes nothing: the normaliser sent the letter to review;
- add: the letter's own tasks are the new work; the link is kept.

The letter's own tasks that state the earlier work again (`NormalisedTask.follows`) are not
created when the earlier document has tasks: the earlier task is the one that is followed.
What was applied is kept in `follow_ups` (one row per letter and follow-up), so a new version of
the letter, or the same letter by another route, does nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlmodel import col, select

from connector.calendar import due_by
from connector.clock import now
from connector.domain import FollowAction, FollowUp, NormalisedDocument, TaskFacts, number_key
from connector.register.queries import record_status_change
from connector.register.tables import Document, FollowUpLink, OutboxItem, Task, TaskHistory
from connector.sync.arrival import Arrival
from connector.sync.outbox import HOLD_REVOKED
from connector.textfold import fold

A = FollowAction
ENDED = frozenset({"revoked", "replaced"})


@dataclass
class Cited:
    """One follow-up of the arriving letter and the earlier document it names, if the register has it."""

    seq: int
    follow: FollowUp
    document: Document | None = None
    state: str = "applied"
    tasks: list[Task] = field(default_factory=list)


@dataclass
class Plan:
    """What the arriving letter's follow-ups are in this register, decided before anything is written."""

    cited: list[Cited] = field(default_factory=list)
    skip: frozenset[int] = frozenset()
    """Seqs (1-based) of the letter's tasks not to create: they are earlier tasks stated again."""


def plan(a: Arrival, document: Document) -> Plan:
    """Find each cited document; put what the register lacks into the letter's review reasons."""
    s, doc = a.s, a.doc
    out = Plan()
    reasons: list[str] = []
    for seq, follow in enumerate(doc.follows_up):
        cited = Cited(seq, follow)
        found = _candidates(a, document, follow)
        if len(found) == 1:
            cited.document = found[0]
            stmt = select(Task).where(Task.document_id == found[0].id).order_by(col(Task.seq))
            cited.tasks = list(s.exec(stmt))
            cited.state = "partial" if follow.part and follow.action in (A.WITHDRAW, A.REPLACE) else "applied"
            if found[0].state in ENDED:
                cited.state = "ended"
        else:
            cited.state = "missing" if not found else "ambiguous"
            reasons.append(_missing_reason(follow, len(found)))
        out.cited.append(cited)
    skip = set()
    for seq, task in enumerate(doc.tasks, start=1):
        for i in task.follows:
            c = out.cited[i] if i < len(out.cited) else None
            if c is not None and c.follow.action.restates and c.tasks and c.state == "applied":
                skip.add(seq)
    out.skip = frozenset(skip)
    if reasons:
        a.doc = _with_reasons(doc, reasons)
    return out


def apply(a: Arrival, document: Document, p: Plan) -> None:
    """Write each follow-up's effect (see the module docstring), each only once per letter."""
    s = a.s
    assert document.id is not None
    links = {
        link.seq: link for link in s.exec(select(FollowUpLink).where(FollowUpLink.document_id == document.id))
    }
    for cited in p.cited:
        f = cited.follow
        link = links.get(cited.seq)
        cited_id = cited.document.id if cited.document else None
        same = link is not None and (
            link.number_key,
            link.action,
            link.new_deadline,
            link.cited_document_id,
        ) == (
            number_key(f.number),
            str(f.action),
            f.new_deadline,
            cited_id,
        )
        if same and link is not None and link.state == cited.state:
            continue
        if link is None:
            link = FollowUpLink(document_id=document.id, seq=cited.seq, number=f.number, action=str(f.action))
        link.number, link.number_key, link.action = f.number, number_key(f.number), str(f.action)
        link.issuer_name = f.issuer.name if f.issuer else None
        link.issuer_code = f.issuer.code if f.issuer else None
        link.issued_on, link.new_deadline, link.part = f.issued_on, f.new_deadline, f.part
        link.cited_document_id, link.state = cited_id, cited.state
        if cited.document is not None and cited.state == "applied":
            _Effect(a, document, cited).run()
            link.applied_at = now()
        elif cited.state == "ended" and cited.document is not None:
            a.event(
                s,
                "follow_up",
                f"Văn bản {a.label} {f.action.label} {f.label}, nhưng văn bản đó đã bị thu hồi hoặc thay thế "
                "trước đó; không thay đổi nhiệm vụ nào.",
                document_ref=cited.document.number or a.ref,
                document_id=document.id,
                detail={"follow_up": f.to_json(), "state": cited.state, "earlier_document": cited_id},
            )
        elif cited.state in ("missing", "ambiguous"):
            a.event(
                s,
                "review",
                f"Văn bản {a.label} {f.action.label} {f.label}, nhưng {_missing_what(cited.state)}. "
                f"Việc cần làm: văn thư tìm văn bản số {f.number} và ghi nhận việc {f.action.label} "
                "cho nhiệm vụ của văn bản đó trên trang theo dõi.",
                level="warning",
                document_ref=a.ref,
                document_id=document.id,
                detail={"follow_up": f.to_json(), "state": cited.state},
            )
        s.add(link)


class _Effect:
    """The change one found follow-up makes to the earlier document's tasks."""

    def __init__(self, a: Arrival, document: Document, cited: Cited) -> None:
        self.a, self.s, self.document, self.cited, self.f = a, a.s, document, cited, cited.follow
        assert cited.document is not None
        self.earlier: Document = cited.document
        self.at = now()

    def run(self) -> None:
        f = self.f
        if f.action in (A.WITHDRAW, A.REPLACE):
            self._end()
            return
        if f.action is A.ADD:
            self._event(
                "follow_up",
                f"Văn bản {self.a.label} bổ sung nhiệm vụ vào {f.label}; các nhiệm vụ bổ sung được theo dõi "
                "theo văn bản này.",
                [],
            )
            return
        if not self.cited.tasks:
            self._event(
                "follow_up",
                f"Văn bản {self.a.label} {f.action.label} {f.label}, nhưng văn bản đó không có nhiệm vụ nào "
                "trong sổ theo dõi; nhiệm vụ của văn bản này được theo dõi riêng.",
                [],
            )
            return
        changed: list[int] = []
        for task in self._targets():
            if f.action in (A.URGE, A.CONTINUE):
                kind = "urged" if f.action is A.URGE else "continued"
                self._history(task, kind, note=f"{f.action.label.capitalize()} theo văn bản {self._by}")
            if f.new_deadline is not None:
                if self._deadline(task, f.new_deadline):
                    changed.append(task.id or 0)
            elif f.action in (A.EXTEND, A.CHANGE_DEADLINE):
                what = f"{f.action.label.capitalize()} theo văn bản {self._by}, không ghi thời hạn mới"
                self._history(task, "extended", note=what)
        ids = ", ".join(f"#{t.id}" for t in self._targets())
        when = f"; thời hạn mới {f.new_deadline:%d/%m/%Y}" if f.new_deadline else ""
        pushed = (
            " Thay đổi thời hạn sẽ được cập nhật lên Phần mềm ở lần gửi sau."
            if changed and self._to_portal()
            else ""
        )
        self._event(
            "follow_up",
            f"Văn bản {self.a.label} {f.action.label} nhiệm vụ {ids} của {f.label}{when}; đã ghi vào lịch sử "
            f"nhiệm vụ, không tạo nhiệm vụ trùng.{pushed}",
            changed,
        )

    @property
    def _by(self) -> str:
        """The letter as a clerk names it: "số 2300/UBND-NNTN của UBND tỉnh Kon Tum"."""
        return self.a.label

    def _targets(self) -> list[Task]:
        """The earlier tasks of the lead units the letter names for this work, else all of them."""
        leads = [
            t.lead_unit for t in self.a.doc.tasks if self.cited.seq in t.follows and t.lead_unit is not None
        ]
        codes = {u.code for u in leads if u.code}
        names = {fold(u.name) for u in leads}
        same = [
            t
            for t in self.cited.tasks
            if (t.lead_unit_code and t.lead_unit_code in codes) or fold(t.lead_unit_name or "") in names
        ]
        return same or self.cited.tasks

    def _deadline(self, task: Task, new: date) -> bool:
        """Give `task` its new deadline with history and, when the portal receives it, an outbox row."""
        old = task.deadline
        if task.completed_on is not None or old == new:
            return False
        line = f"Thời hạn {'điều chỉnh' if old else 'mới'}: {new:%d/%m/%Y} theo văn bản {self._by}."
        note = task.progress_note if task.progress_note and line in task.progress_note else None
        if note is None:
            note = f"{task.progress_note.strip()} {line}" if task.progress_note else line
        change, _ = record_status_change(
            self.s,
            task,
            facts=TaskFacts(new, task.started_on, task.completed_on, task.blocked_reason),
            progress_note=note,
            due_by=due_by(self.a.cal, self.at, self.a.push_days)
            if self._to_portal() and self.a.cal
            else None,
            actor=f"văn bản {self._by}",
            changed_at=self.at,
        )
        self._history(task, "deadline", old=old, new=new, change=change.id, note=line)
        return True

    def _to_portal(self) -> bool:
        """The earlier tasks reach the portal: an origin the profile pushes, not secret, not ended."""
        origin = self.earlier.origin
        return (
            not self.earlier.secrecy
            and self.earlier.state not in ("secret_notice", *ENDED)
            and (origin is None or origin in self.a.portal_origins)
        )

    def _end(self) -> None:
        f, earlier = self.f, self.earlier
        earlier.state = "revoked" if f.action is A.WITHDRAW else "replaced"
        earlier.updated_at = self.at
        self.s.add(earlier)
        held = []
        if f.action is A.WITHDRAW:
            ids = [t.id for t in self.cited.tasks]
            stmt = select(OutboxItem).where(col(OutboxItem.task_id).in_(ids), OutboxItem.state == "pending")
            for row in self.s.exec(stmt):
                row.state, row.last_error = "held", HOLD_REVOKED
                self.s.add(row)
                held.append(row.id)
        kind = "withdrawn" if f.action is A.WITHDRAW else "replaced"
        for task in self.cited.tasks:
            self._history(task, kind, note=f"Kết thúc: {f.action.label} theo văn bản {self._by}")
        tail = (
            f" {len(held)} cập nhật đang chờ gửi lên Phần mềm đã được giữ lại."
            if f.action is A.WITHDRAW
            else " Theo dõi nhiệm vụ theo văn bản thay thế."
        )
        self._event(
            "revoked" if f.action is A.WITHDRAW else "replaced",
            f"{f.label} đã bị {f.action.label} theo văn bản {self.a.label}; {len(self.cited.tasks)} nhiệm "
            f"vụ của văn bản đó không còn được theo dõi.{tail}",
            [],
            extra={"held_outbox": held},
        )

    def _history(
        self, task: Task, kind: str, *, old: date | None = None, new: date | None = None,
        change: int | None = None, note: str | None = None,
    ) -> None:  # fmt: skip
        assert task.id is not None
        self.s.add(
            TaskHistory(
                task_id=task.id,
                at=self.at,
                kind=kind,
                old_deadline=old,
                new_deadline=new,
                by_document_id=self.document.id,
                status_change_id=change,
                note=note,
            )
        )

    def _event(
        self, kind: str, message: str, changed: list[int], extra: dict[str, object] | None = None
    ) -> None:
        self.a.event(  # found under both documents: the earlier one by its number, the letter by its id
            self.s,
            kind,
            message,
            document_ref=self.earlier.number or self.a.ref,
            document_id=self.document.id,
            detail={
                "follow_up": self.f.to_json(),
                "earlier_document": self.earlier.id,
                "tasks": [t.id for t in self.cited.tasks],
                "deadline_changed": changed,
                **(extra or {}),
            },
        )


def _candidates(a: Arrival, document: Document, follow: FollowUp) -> list[Document]:
    """Documents of the register the follow-up may name: same number key, same date when given;
    without a date, those issued before the letter; the issuer's code settles a tie."""
    key = number_key(follow.number)
    stmt = select(Document).where(Document.number_key == key)
    if document.id is not None:
        stmt = stmt.where(Document.id != document.id)
    found = list(a.s.exec(stmt.order_by(col(Document.id))))
    if follow.issued_on is not None:
        found = [d for d in found if d.issued_on == follow.issued_on]
    elif a.doc.issued_on is not None:
        found = [d for d in found if d.issued_on is None or d.issued_on <= a.doc.issued_on]
    code = follow.issuer.code if follow.issuer else None
    if len(found) > 1 and code:
        found = [d for d in found if d.issuer_code == code] or found
    return found


def _missing_reason(follow: FollowUp, count: int) -> str:
    what = "chưa có trong sổ theo dõi" if count == 0 else f"trùng số với {count} văn bản trong sổ theo dõi"
    return (
        f"{follow.label} mà văn bản này {follow.action.label} {what}: cần văn thư tìm văn bản số "
        f"{follow.number} và ghi nhận việc {follow.action.label} cho nhiệm vụ của văn bản đó"
    )


def _missing_what(state: str) -> str:
    if state == "missing":
        return "sổ theo dõi chưa có văn bản này"
    return "sổ theo dõi có nhiều văn bản cùng số, chưa biết là văn bản nào"


def _with_reasons(doc: NormalisedDocument, reasons: list[str]) -> NormalisedDocument:
    kept = list(doc.review_reasons) + [r for r in reasons if r not in doc.review_reasons]
    return replace(doc, needs_review=True, review_reasons=tuple(kept))
