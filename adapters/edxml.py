"""edXML packets (QCVN 102:2016/BTTTT, liên thông văn bản) and the drop folder they arrive in.

`parse_packet(data, ...)` turns one packet into RawDocuments; `EdxmlDropFolder` is the
`connector.ports.Source` over a folder that the liên thông client (or a clerk, or the eOffice
simulator's export) drops packets into.

Parsing. defusedxml (no DTD, no entities, no external references); elements are found by local
name, so the namespace (`http://www.mic.gov.vn/TBT/QCVN_102_2016`, or an older edXML one) does
not matter. Sizes are bounded: the packet, each decoded attachment, and the unpacked content of
a zip attachment all count against `max_bytes`; a zip may hold files and further packets (they
become documents of their own, `enclosed_in` the outer one), nested at most `MAX_DEPTH` deep.

Business type (TraceHeaderList/Bussiness/BussinessDocType): 0 new, 1 revoke, 2 update, 3
replace → metadata `business_type`. A revoke or an update concerns a document already sent: its
`source_ref` is that document's id (ReplacementInfo/DocumentId, else the packet's own DocumentId),
so intake's upsert by (source, source_ref) updates the existing document, and `business_type`
tells the core what happened. A replacement is a new document (its own id) whose
`replaces_ref` names the one it replaces.

The drop folder. `poll` reads every `*.edxml` / `*.xml` file (oldest first; names starting with
"." or ending in ".part"/".tmp" are still being written) and moves nothing that parsed:
`acknowledge(refs)` moves a packet to `done/` once all its documents are committed. A packet
that cannot be read is moved at once to `failed/` with `<name>.reason.txt` beside it (it can never
be committed, and leaving it would fail every run again) and listed in the batch's `failed`
(`Failure(file name, BadDocumentError)`), while the other packets go on. The cursor is `{}`: the
folder itself is the position.
"""

from __future__ import annotations

import base64
import binascii
import io
import mimetypes
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree.ElementTree import Element, ParseError
from zoneinfo import ZoneInfo

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from connector.domain import Attachment, RawDocument
from connector.errors import BadDocumentError, one_item
from connector.ports import Batch, Failure
from connector.zipguard import ZipLimits, check_directory

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_DEPTH = 2
ZIP_LIMITS = ZipLimits(max_zip_members=200)  # sizes and ratio checked before anything inflates
BUSINESS = {"0": "new", "1": "revoke", "2": "update", "3": "replace"}
PRIORITY = {"0": "", "1": "Khẩn", "2": "Thượng khẩn", "3": "Hỏa tốc", "4": "Hỏa tốc hẹn giờ"}
ZIP_TYPES = frozenset({"application/zip", "application/x-zip-compressed", "application/x-zip"})
PACKET_SUFFIXES = (".edxml", ".xml")


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _find(el: Element | None, *path: str) -> Element | None:
    """The first descendant reached by local names `path` (each step: any depth below the last)."""
    for name in path:
        if el is None:
            return None
        el = next((c for c in el.iter() if c is not el and _local(c.tag) == name), None)
    return el


def _all(el: Element | None, name: str) -> list[Element]:
    return [] if el is None else [c for c in el.iter() if _local(c.tag) == name]


def _text(el: Element | None, *path: str) -> str:
    found = _find(el, *path) if path else el
    return (found.text or "").strip() if found is not None else ""


def _iso(value: str, what: str, label: str) -> str:
    if not value:
        return ""
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        raise BadDocumentError(f"Gói tin {label}: {what} «{value}» không phải ngày (YYYY-MM-DD).") from None


class _Budget:
    """Bytes left for everything decoded out of one packet (attachments, zip members)."""

    def __init__(self, limit: int, label: str) -> None:
        self.left = limit
        self.limit = limit
        self.label = label

    def take(self, n: int, what: str) -> None:
        self.left -= n
        if self.left < 0:
            raise BadDocumentError(f"Gói tin {self.label}: {what} vượt giới hạn {self.limit} byte.")


def parse_packet(
    data: bytes,
    *,
    source: str,
    label: str = "edXML",
    max_bytes: int = 20_000_000,
    fetched_at: datetime | None = None,
) -> list[RawDocument]:
    """One packet → its document, then the documents of packets enclosed in its zip attachments.

    Raises `BadDocumentError` (Skippable) for anything unreadable; `label` names the packet in
    messages (a file name).
    """
    if len(data) > max_bytes:
        raise BadDocumentError(f"Gói tin {label} có {len(data)} byte, vượt giới hạn {max_bytes} byte.")
    return _parse(data, source, label, _Budget(max_bytes, label), fetched_at or datetime.now(TZ), 0)


def _parse(
    data: bytes, source: str, label: str, budget: _Budget, now: datetime, depth: int
) -> list[RawDocument]:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise BadDocumentError(
            f"Gói tin {label} chứa khai báo DTD hoặc thực thể XML ({type(exc).__name__}), "
            "bị từ chối vì an toàn."
        ) from None
    except LookupError as exc:  # encoding="TCVN3": a name Python has no codec for
        raise BadDocumentError(
            f"Gói tin {label} khai báo bảng mã mà chương trình không biết ({exc}); "
            "nhờ nơi gửi xuất lại gói tin theo chuẩn (UTF-8)."
        ) from None
    except (ParseError, ValueError) as exc:
        raise BadDocumentError(
            f"Gói tin {label} không phải XML hợp lệ ({type(exc).__name__}: {exc})."
        ) from None
    if _local(root.tag) != "edXMLEnvelope":
        raise BadDocumentError(
            f"Gói tin {label}: phần tử gốc là «{_local(root.tag)}», không phải edXMLEnvelope."
        )
    header = _find(root, "MessageHeader")
    if header is None:
        raise BadDocumentError(f"Gói tin {label} không có MessageHeader.")
    meta = _metadata(root, header, label)
    document_id = meta["document_id"]
    if not document_id and not meta["number"]:
        raise BadDocumentError(f"Gói tin {label} không có DocumentId lẫn số, ký hiệu (Code).")
    own_ref = document_id or f"{meta['issuer_id'] or meta['issuer']},{meta['issued_on']},{meta['number']}"
    if meta["business_type"] in ("revoke", "update"):
        ref = meta["replaces_ref"].split("; ")[0] or own_ref
    else:
        ref = own_ref
    files: list[Attachment] = []
    inner: list[tuple[str, bytes]] = []
    for el in _all(root, "Attachment"):
        att = _attachment(el, label, budget)
        if _is_zip(att):
            _unzip(att, label, budget, files, inner, depth)
        else:
            files.append(att)
    body = _text(header, "Content")
    doc = RawDocument(source, ref, now, body, meta, tuple(files), RawDocument.fingerprint(data))
    out = [doc]
    for name, packet in inner:
        if depth + 1 > MAX_DEPTH:
            raise BadDocumentError(f"Gói tin {label}: gói lồng nhau quá {MAX_DEPTH} tầng.")
        for child in _parse(packet, source, f"{label}/{name}", budget, now, depth + 1):
            out.append(
                RawDocument(
                    child.source,
                    child.source_ref,
                    child.fetched_at,
                    child.body,
                    {**child.metadata, "enclosed_in": ref},
                    child.attachments,
                    child.sha256,
                )
            )
    return out


def _metadata(root: Element, header: Element, label: str) -> dict[str, str]:
    number = _text(header, "Code", "CodeNumber")
    notation = _text(header, "Code", "CodeNotation")
    bussiness = _find(root, "TraceHeaderList", "Bussiness")
    kind = _text(bussiness, "BussinessDocType") or "0"
    if kind not in BUSINESS:
        raise BadDocumentError(f"Gói tin {label}: BussinessDocType «{kind}» không thuộc 0–3.")
    replaces = [_text(r, "DocumentId") for r in _all(bussiness, "ReplacementInfo")]
    priority = _text(header, "OtherInfo", "Priority")
    signer = _find(header, "SignerInfo")
    return {
        "number": f"{number}/{notation}" if number and notation else number or notation,
        "issuer": _text(header, "From", "OrganName"),
        "issuer_id": _text(header, "From", "OrganId"),
        "recipient": "; ".join(_text(t, "OrganName") for t in _all(header, "To") if _text(t, "OrganName")),
        "issued_on": _iso(_text(header, "PromulgationInfo", "PromulgationDate"), "ngày ban hành", label),
        "place": _text(header, "PromulgationInfo", "Place"),
        "received_on": "",
        "doc_type": _text(header, "DocumentType", "TypeName"),
        "subject": _text(header, "Subject"),
        "secrecy": "",
        "urgency": PRIORITY.get(priority, ""),
        "priority": priority,
        "due_on": _iso(_text(header, "DueDate"), "hạn xử lý (DueDate)", label),
        "signer": _text(signer, "FullName"),
        "signer_position": _text(signer, "Position") or _text(signer, "Competence"),
        "to_places": "; ".join(p.text.strip() for p in _all(_find(header, "ToPlaces"), "Place") if p.text),
        "steering_type": _text(header, "SteeringType"),
        "document_id": _text(header, "DocumentId"),
        "business_type": BUSINESS[kind],
        "business_reason": _text(bussiness, "BussinessDocReason"),
        "replaces_ref": "; ".join(r for r in replaces if r),
        "handling_lead": "",
        "handling_cooperating": "",
        "handling_officer": "",
        "handling_due": "",
        "handling_note": "",
    }


def _attachment(el: Element, label: str, budget: _Budget) -> Attachment:
    name = _text(el, "AttachmentName") or _text(el, "Name") or _text(el, "Description") or "tep-dinh-kem"
    name = PurePosixPath(name.replace("\\", "/")).name or "tep-dinh-kem"
    media = _text(el, "ContentType") or mimetypes.guess_type(name)[0] or "application/octet-stream"
    encoded = "".join((_text(el, "ContentTransferEncoded") or _text(el, "AttachmentText")).split())
    budget.take(len(encoded) * 3 // 4, f"tệp đính kèm «{name}»")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise BadDocumentError(f"Gói tin {label}: tệp đính kèm «{name}» không phải base64 hợp lệ.") from None
    return Attachment(name, media, raw)


def _is_zip(att: Attachment) -> bool:
    return att.name.lower().endswith(".zip") or att.media_type.lower() in ZIP_TYPES


def _unzip(
    att: Attachment,
    label: str,
    budget: _Budget,
    files: list[Attachment],
    inner: list[tuple[str, bytes]],
    depth: int,
) -> None:
    """Members of a zip attachment: packets to `inner`, nested zips unpacked, other files to `files`."""
    if depth > MAX_DEPTH:
        raise BadDocumentError(f"Gói tin {label}: tệp nén lồng nhau quá {MAX_DEPTH} tầng.")
    try:
        with zipfile.ZipFile(io.BytesIO(att.data)) as zf:
            members = check_directory(zf, f"{att.name} trong gói tin {label}", ZIP_LIMITS)
            budget.take(sum(m.file_size for m in members), f"nội dung giải nén của «{att.name}»")
            for m in members:
                with zf.open(m) as fh:
                    data = fh.read(m.file_size + 1)
                if len(data) > m.file_size:  # the header lied about the size (a zip bomb)
                    raise BadDocumentError(f"Gói tin {label}: tệp nén «{att.name}» khai sai kích thước.")
                name = PurePosixPath(m.filename.replace("\\", "/")).name
                lower = name.lower()
                if lower.endswith(PACKET_SUFFIXES) and b"edXMLEnvelope" in data[:4096]:
                    inner.append((name, data))
                elif lower.endswith(".zip"):
                    nested = Attachment(name, "application/zip", data)
                    _unzip(nested, f"{label}/{name}", budget, files, inner, depth + 1)
                else:
                    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
                    files.append(Attachment(name, media, data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as exc:
        raise BadDocumentError(
            f"Gói tin {label}: tệp nén «{att.name}» hỏng ({type(exc).__name__})."
        ) from None


class EdxmlDropFolder:
    """`connector.ports.Source` over a folder of edXML packets (see the module docstring)."""

    def __init__(self, name: str, folder: Path, *, max_bytes: int = 20_000_000) -> None:
        self.name = name
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self._files: dict[Path, set[str]] = {}

    def __repr__(self) -> str:
        return f"EdxmlDropFolder(name={self.name!r}, folder={str(self.folder)!r})"

    def poll(self, cursor: Any) -> tuple[Batch, dict[str, Any]]:
        """Every packet waiting in the folder; unreadable ones go to failed/ with their reason."""
        batch = Batch()
        self._files.clear()
        for path in self._waiting():
            try:
                docs = self._read(path)
            except BadDocumentError as exc:
                self._fail(path, exc)
                batch.failed.append(Failure(path.name, exc))
                continue
            self._files[path] = {d.source_ref for d in docs}
            batch.documents.extend(docs)
        return batch, {}

    def fetch(self, ref: str) -> RawDocument:
        """The document `ref` from a waiting or already processed packet (newest packet wins)."""
        done = self.folder / "done"
        candidates = self._waiting() + (sorted(done.iterdir(), key=_age) if done.is_dir() else [])
        found: RawDocument | None = None
        for path in candidates:
            if not path.is_file() or not path.name.lower().endswith(PACKET_SUFFIXES):
                continue
            try:
                docs = self._read(path)
            except BadDocumentError:
                continue
            found = next((d for d in docs if d.source_ref == ref), found)
        if found is None:
            raise BadDocumentError(f"Không còn gói tin nào trong {self.folder} chứa văn bản «{ref}».")
        return found

    def acknowledge(self, refs: Iterable[str]) -> None:
        """Move each packet whose documents are all committed to done/."""
        pending = set(refs)
        if not self._files and pending:
            for path in self._waiting():  # a restart between poll and acknowledge
                try:
                    self._files[path] = {d.source_ref for d in self._read(path)}
                except BadDocumentError:
                    continue
        for path, refs_left in list(self._files.items()):
            refs_left -= pending
            if not refs_left:
                _move(path, self.folder / "done")
                del self._files[path]

    def close(self) -> None:
        """Nothing is held open between calls (the folder is read per poll)."""

    def _waiting(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        files = [
            p
            for p in self.folder.iterdir()
            if p.is_file()
            and not p.name.startswith(".")
            and not p.name.endswith((".part", ".tmp"))
            and p.name.lower().endswith(PACKET_SUFFIXES)
        ]
        return sorted(files, key=_age)

    def _read(self, path: Path) -> list[RawDocument]:
        size = path.stat().st_size
        if size > self.max_bytes:
            raise BadDocumentError(
                f"Gói tin {path.name} có {size} byte, vượt giới hạn {self.max_bytes} byte."
            )
        with one_item(f"gói tin {path.name}"):
            return parse_packet(
                path.read_bytes(), source=self.name, label=path.name, max_bytes=self.max_bytes
            )

    def _fail(self, path: Path, exc: BadDocumentError) -> None:
        target = _move(path, self.folder / "failed")
        stamp = datetime.now(TZ).isoformat(timespec="seconds")
        target.with_name(target.name + ".reason.txt").write_text(
            f"{stamp}\n{exc.message}\n", encoding="utf-8"
        )


def _age(path: Path) -> tuple[float, str]:
    return (path.stat().st_mtime, path.name)


def _move(path: Path, folder: Path) -> Path:
    """Move `path` into `folder` (created if needed) without overwriting; returns the new path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists():
        target = folder / f"{path.stem}-{n}{path.suffix}"
        n += 1
    path.replace(target)
    return target


__all__ = ["EdxmlDropFolder", "parse_packet"]
