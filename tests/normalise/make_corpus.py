"""Writes the generated part of the golden corpus (tests/corpus/hand/1NN-*.txt + .expected.json).

The expected values come from the generator's own choices (which units, which deadline phrase,
which stamp), never from the normaliser's output. Run once; the files are checked in and
reviewed like code: `.venv/bin/python tests/normalise/make_corpus.py`.
The hand-written documents (0NN-*) are not touched.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "corpus" / "hand"


@dataclass
class Issuer:
    code: str
    header: list[str]
    place: str
    province: str  # "KT" or "QNG"
    chairman: bool = False
    dept: bool = False


ISSUERS = [
    Issuer("UBND_KT", ["ỦY BAN NHÂN DÂN", "TỈNH KON TUM"], "Kon Tum", "KT"),
    Issuer("UBND_KT", ["UBND TỈNH KON TUM"], "Kon Tum", "KT"),
    Issuer("CT_UBND_KT", ["ỦY BAN NHÂN DÂN", "TỈNH KON TUM"], "Kon Tum", "KT", chairman=True),
    Issuer("VP_UBND_KT", ["UBND TỈNH KON TUM", "VĂN PHÒNG"], "Kon Tum", "KT"),
    Issuer("UBND_QNG", ["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI"], "Quảng Ngãi", "QNG"),
    Issuer("CT_UBND_QNG", ["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI"], "Quảng Ngãi", "QNG", chairman=True),
    Issuer("VP_UBND_QNG", ["UBND TỈNH QUẢNG NGÃI", "VĂN PHÒNG"], "Quảng Ngãi", "QNG"),
    Issuer(
        "GD_SNN",
        ["UBND TỈNH KON TUM", "SỞ NÔNG NGHIỆP VÀ", "PHÁT TRIỂN NÔNG THÔN"],
        "Kon Tum",
        "KT",
        dept=True,
    ),
]

# (name as written, code on a date before 1/3/2025, code 1/3–30/6/2025, code from 1/7/2025)
UNITS_KT = [
    ("Sở Nông nghiệp và Phát triển nông thôn", "SNNPTNT"),
    ("Sở NN&PTNT", "SNNPTNT"),
    ("Sở Tài nguyên và Môi trường", "STNMT"),
    ("Sở Tài chính", "STC"),
    ("Sở Kế hoạch và Đầu tư", "SKHDT"),
    ("Sở Xây dựng", "SXD"),
    ("Sở Công Thương", "SCT"),
    ("Sở Y tế", "SYT"),
    ("Sở Giáo dục và Đào tạo", "SGDDT"),
    ("Sở Nội vụ", "SNV"),
    ("Sở Lao động - Thương binh và Xã hội", "SLDTBXH"),
    ("Sở Tư pháp", "STP"),
    ("Sở Văn hóa, Thể thao và Du lịch", "SVHTTDL"),
    ("Sở Khoa học và Công nghệ", "SKHCN"),
    ("Sở Thông tin và Truyền thông", "STTTT"),
    ("Sở Giao thông vận tải", "SGTVT"),
    ("Công an tỉnh", "CAT"),
    ("Bộ Chỉ huy Quân sự tỉnh", "BCHQS"),
    ("Ban Dân tộc tỉnh", "BDT"),
    ("Thanh tra tỉnh", "TTR"),
    ("Kho bạc Nhà nước tỉnh", "KBNN"),
    ("Cục Thuế tỉnh", "CTHUE"),
    ("Văn phòng UBND tỉnh", "VPUBND"),
    ("Sở TN&MT", "STNMT"),
    ("Sở KH&ĐT", "SKHDT"),
    ("Đài Phát thanh và Truyền hình tỉnh", "DPTTH"),
]
RENAMED_2025 = {
    "SNNPTNT": "SNNMT_KT",
    "STNMT": "SNNMT_KT",
    "SKHDT": "STC",
    "SGTVT": "SXD",
    "STTTT": "SKHCN",
    "SLDTBXH": "SNV",
}
UNITS_MERGED = [
    ("Sở Nông nghiệp và Môi trường", "SNNMT_KT"),
    ("Sở Tài chính", "STC"),
    ("Sở Xây dựng", "SXD"),
    ("Sở Khoa học và Công nghệ", "SKHCN"),
    ("Sở Nội vụ", "SNV"),
    ("Sở Y tế", "SYT"),
    ("Sở Công Thương", "SCT"),
    ("Công an tỉnh", "CAT"),
    ("Sở Tư pháp", "STP"),
]
UNITS_QNG = [
    ("Sở Nông nghiệp và Môi trường", "SNNMT"),
    ("Sở Tài chính", "STC"),
    ("Sở Xây dựng", "SXD"),
    ("Sở Khoa học và Công nghệ", "SKHCN"),
    ("Sở Nội vụ", "SNV"),
    ("Sở Y tế", "SYT"),
    ("Sở Công Thương", "SCT"),
    ("Sở Tư pháp", "STP_QNG"),
    ("Sở Giáo dục và Đào tạo", "SGDDT"),
]
DISTRICTS = [
    ("Đắk Glei", "UBND_DKG"),
    ("Ngọc Hồi", "UBND_NH"),
    ("Đắk Tô", "UBND_DKT"),
    ("Kon Plông", "UBND_KPL"),
    ("Kon Rẫy", "UBND_KRY"),
    ("Đắk Hà", "UBND_DKH"),
    ("Sa Thầy", "UBND_STY"),
    ("Tu Mơ Rông", "UBND_TMR"),
]
INTERNAL = [
    ("Chi cục Kiểm lâm", "CCKL"),
    ("Chi cục Thủy lợi", "CCTL"),
    ("Chi cục Chăn nuôi và Thú y", "CCCNTY"),
    ("Phòng Kế hoạch - Tài chính", "KHTC"),
    ("Trung tâm Khuyến nông", "TTKN"),
    ("Văn phòng Sở", "VP"),
    ("Chi cục Trồng trọt và Bảo vệ thực vật", "CCTTBVTV"),
    ("Thanh tra Sở", "TTRS"),
    ("Chi cục Phát triển nông thôn", "CCPTNT"),
]
UNKNOWN = [
    ("Ban Quản lý rừng phòng hộ Thạch Nham", None),
    ("Công ty TNHH MTV Cà phê 731", None),
    ("Hạt Kiểm lâm Vườn quốc gia Chư Mom Ray", None),
]

ACTIONS = [
    "tham mưu UBND tỉnh ban hành kế hoạch thực hiện",
    "rà soát, tổng hợp nhu cầu kinh phí và đề xuất phương án hỗ trợ",
    "kiểm tra, hướng dẫn các địa phương triển khai thực hiện",
    "xây dựng dự thảo Quyết định và trình UBND tỉnh",
    "tổ chức kiểm tra hiện trạng và báo cáo kết quả về UBND tỉnh",
    "tổng hợp ý kiến góp ý, hoàn thiện hồ sơ",
    "đánh giá kết quả thực hiện, đề xuất giải pháp tháo gỡ khó khăn, vướng mắc",
    "hướng dẫn người dân khôi phục sản xuất sau thiên tai",
    "rà soát danh mục dự án và đề xuất điều chỉnh vốn",
]
SUBJECTS = [
    "triển khai các giải pháp phòng, chống dịch tả lợn châu Phi",
    "tăng cường công tác quản lý, bảo vệ rừng mùa khô",
    "chủ động ứng phó với mưa lũ, sạt lở đất",
    "đẩy nhanh tiến độ giải ngân vốn đầu tư công năm",
    "thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới",
    "rà soát, cập nhật quy hoạch ba loại rừng",
    "kiểm tra an toàn hồ đập trong mùa mưa bão",
    "triển khai tiêm phòng vắc xin cho đàn gia súc, gia cầm",
]


def _d(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def deadline_phrase(rng: random.Random, issued: date) -> tuple[str, object]:
    """A deadline phrase and its expected value."""
    k = rng.randrange(9)
    due = issued + timedelta(days=rng.randrange(10, 60))
    if k == 0:
        return f", hoàn thành trước ngày {_d(due)}", due.isoformat()
    if k == 1:
        return (
            f"; báo cáo UBND tỉnh chậm nhất ngày {due.day} tháng {due.month} năm {due.year}",
            due.isoformat(),
        )
    if k == 2:
        return f", báo cáo kết quả trước 16 giờ ngày {_d(due)}", f"{due.isoformat()} 16:00"
    if k == 3:
        return f", xong trước ngày {due.day}-{due.month}-{due.year}", due.isoformat()
    if k == 4:
        n = rng.choice([3, 5, 7, 10])
        return (
            f", báo cáo kết quả trong thời hạn {n:02d} ngày làm việc kể từ ngày nhận được văn bản này",
            {"working_days": n, "from": "received"},
        )
    if k == 5:
        day = rng.choice([15, 19, 20, 25])
        return f"; định kỳ hằng tháng, báo cáo kết quả trước ngày {day}", {"every": "month", "day": day}
    if k == 6:
        return "; định kỳ hằng quý báo cáo kết quả thực hiện", {"every": "quarter"}
    if k == 7 and due.year == issued.year:
        return f", báo cáo trước ngày {due.day}/{due.month}", due.isoformat()
    return "", None


@dataclass
class Doc:
    text: str
    expected: dict[str, object]
    received: date | None = None
    tags: list[str] = field(default_factory=list)


def pool_for(issued: date, issuer: Issuer) -> list[tuple[str, str | None]]:
    if issuer.dept:
        return INTERNAL
    if issued >= date(2025, 7, 1):
        return UNITS_QNG
    if issued >= date(2025, 3, 1):
        return UNITS_MERGED + [(n, RENAMED_2025.get(c, c)) for n, c in UNITS_KT[:4]]
    return UNITS_KT


def make(seed: int) -> Doc:
    rng = random.Random(seed)
    issuer = rng.choice(ISSUERS)
    if issuer.province == "KT":
        issued = date(2021, 1, 4) + timedelta(days=rng.randrange(0, 1600))
        if issued > date(2025, 6, 20):
            issued = issued - timedelta(days=400)
    else:
        issued = date(2025, 7, 2) + timedelta(days=rng.randrange(0, 300))
    pool = pool_for(issued, issuer)
    kind = rng.choice(["cv", "cv", "qd", "ct", "tb", "kh", "cd"])
    if issuer.code.startswith("VP_"):
        kind = rng.choice(["cv", "tb"])
    if issuer.dept:
        kind = rng.choice(["cv", "qd"])
    if issuer.chairman:
        kind = rng.choice(["qd", "cd"])
    serial = rng.randrange(12, 4999)
    abbr = {
        "UBND_KT": "UBND",
        "UBND_QNG": "UBND",
        "CT_UBND_KT": "CT",
        "CT_UBND_QNG": "CT",
        "VP_UBND_KT": "VP",
        "VP_UBND_QNG": "VP",
        "GD_SNN": "SNN",
    }[issuer.code]
    type_code = {"qd": "QĐ", "ct": "CT", "tb": "TB", "kh": "KH", "cd": "CĐ"}.get(kind)
    if kind == "cd" and abbr == "CT":
        number = f"{serial:02d}/CĐ-CT"
    elif type_code:
        number = f"{serial}/{type_code}-{abbr}"
    else:
        number = f"{serial}/{abbr}-{rng.choice(['NNTN', 'KTTH', 'HCTC', 'VP', 'KT'])}"
    doc_type = {
        "cv": "Công văn",
        "qd": "Quyết định",
        "ct": "Chỉ thị",
        "tb": "Thông báo",
        "kh": "Kế hoạch",
        "cd": "Công điện",
    }[kind]
    topic = rng.choice(SUBJECTS)
    urgency = (
        rng.choice([None, None, None, "Khẩn", "Thượng khẩn", "Hỏa tốc"]) if kind in ("cv", "cd") else None
    )
    if kind == "cd":
        urgency = rng.choice(["Hỏa tốc", "Thượng khẩn", "Khẩn"])

    tasks: list[dict[str, object]] = []
    lines_tasks: list[str] = []
    n_tasks = rng.randrange(1, 4)
    review = False
    for _ in range(n_tasks):
        lead = rng.choice(pool)
        if rng.random() < 0.08:
            lead = rng.choice(UNKNOWN)
        others = [u for u in pool if u[1] != lead[1]]
        coop = rng.sample(others, rng.randrange(0, 3))
        action = rng.choice(ACTIONS)
        phrase, dl = deadline_phrase(rng, issued)
        shape = rng.randrange(4)
        coop_txt = (
            ", ".join(c[0] for c in coop[:-1])
            + (" và " if len(coop) > 1 else "")
            + (coop[-1][0] if coop else "")
        )
        if shape == 0 or not coop:
            coop_part = f", phối hợp với {coop_txt} và các đơn vị liên quan" if coop else ""
            sentence = f"Giao {lead[0]} chủ trì{coop_part} {action}{phrase}."
        elif shape == 1:
            sentence = f"{lead[0]} chủ trì, phối hợp với {coop_txt} {action}{phrase}."
        elif shape == 2:
            sentence = f"Giao {lead[0]} chủ trì, phối hợp chặt chẽ với {coop_txt} {action}{phrase}."
        else:
            sentence = f"Yêu cầu {lead[0]} khẩn trương {action}, phối hợp với {coop_txt}{phrase}."
        lines_tasks.append(sentence)
        tasks.append({"lead": lead[1], "coop": sorted(c[1] for c in coop), "deadline": dl})
        if lead[1] is None:
            review = True
    # co-leads: a district list or "Sở A, Sở B theo chức năng"
    if issuer.province == "KT" and not issuer.dept and issued < date(2025, 7, 1) and rng.random() < 0.4:
        ds = rng.sample(DISTRICTS, rng.randrange(2, 4))
        names = ", ".join(d[0] for d in ds[:-1]) + " và " + ds[-1][0]
        lines_tasks.append(
            f"Đề nghị UBND các huyện: {names} chỉ đạo các phòng chuyên môn {rng.choice(ACTIONS)}."
        )
        tasks += [{"lead": d[1], "coop": [], "deadline": None} for d in ds]
    elif rng.random() < 0.3 and not issuer.dept:
        a, b = rng.sample(pool, 2)
        lines_tasks.append(
            f"{a[0]}, {b[0]} theo chức năng, nhiệm vụ được giao chủ động {rng.choice(ACTIONS)}."
        )
        tasks += [{"lead": a[1], "coop": [], "deadline": None}, {"lead": b[1], "coop": [], "deadline": None}]

    head = list(issuer.header)
    stamp_lines = [urgency.upper()] if urgency else []
    date_line = f"{issuer.place}, ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}"
    if rng.random() < 0.3:
        date_line = f"{issuer.place}, ngày {issued.day} tháng {issued.month} năm {issued.year}"
    motto = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    if rng.random() < 0.5:
        header = [*head, *motto, f"Số: {number}", date_line]
    else:
        header = [head[0], motto[0], *head[1:], motto[1], f"Số: {number}", date_line]
    header = stamp_lines + header if rng.random() < 0.5 else header[:-1] + stamp_lines + header[-1:]
    citation = (
        f"Căn cứ Quyết định số {rng.randrange(10, 99)}/2019/QĐ-UBND ngày {rng.randrange(1, 28)} tháng "
        f"{rng.randrange(1, 12)} năm 2019 của UBND tỉnh về ban hành Quy chế làm việc;"
    )
    body: list[str]
    numbered = [f"{i + 1}. {t}" for i, t in enumerate(lines_tasks)]
    if kind == "cv":
        subject = f"V/v {topic}"
        body = [
            subject,
            "",
            "Kính gửi:",
            *[f"- {u[0]};" for u in rng.sample(pool, 2)],
            "",
            f"Thực hiện Công văn số {rng.randrange(100, 9999)}/BNN-TCLN ngày {rng.randrange(1, 28)}/"
            f"{rng.randrange(1, 12)}/{issued.year} của Bộ Nông nghiệp, "
            + (
                "Giám đốc Sở có ý kiến như sau:"
                if issuer.dept
                else "Chủ tịch UBND tỉnh có ý kiến chỉ đạo như sau:"
            ),
            *numbered,
        ]
    elif kind == "qd":
        subject = f"Về việc phê duyệt phương án {topic}"
        authority = (
            "GIÁM ĐỐC SỞ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN"
            if issuer.dept
            else ("CHỦ TỊCH ỦY BAN NHÂN DÂN " if issuer.chairman else "ỦY BAN NHÂN DÂN ")
            + f"TỈNH {issuer.place.upper()}"
        )
        body = [
            "QUYẾT ĐỊNH",
            subject,
            "",
            authority,
            "",
            citation,
            "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
            "Xét đề nghị của các đơn vị,",
            "",
            "QUYẾT ĐỊNH:",
            f"Điều 1. Phê duyệt phương án {topic} (chi tiết kèm theo).",
            "Điều 2. Tổ chức thực hiện",
            *numbered,
            "Điều 3. Quyết định này có hiệu lực kể từ ngày ký.",
            "Điều 4. Chánh Văn phòng UBND tỉnh, Giám đốc các sở,"
            " ban, ngành và Thủ trưởng các đơn vị có liên quan"
            " chịu trách nhiệm thi hành Quyết định này./.",
        ]
    elif kind == "ct":
        subject = f"Về {topic}"
        body = [
            "CHỈ THỊ",
            subject,
            "",
            "Thời gian qua, công tác này đã đạt được nhiều kết"
            " quả quan trọng. Tuy nhiên, vẫn còn một số tồn tại,"
            " hạn chế. Để khắc phục, Chủ tịch UBND tỉnh chỉ thị:",
            *numbered,
            "Chỉ thị này có hiệu lực kể từ ngày ký./.",
        ]
    elif kind == "tb":
        subject = f"Kết luận của Chủ tịch UBND tỉnh tại cuộc họp về {topic}"
        body = [
            "THÔNG BÁO",
            subject,
            "",
            f"Ngày {issued.day - 1 if issued.day > 1 else 1}/{issued.month}/{issued.year},"
            f" tại phòng họp UBND tỉnh,"
            " đồng chí Chủ tịch UBND tỉnh chủ trì cuộc họp. Sau khi nghe báo cáo và ý kiến của các đại biểu,"
            " Chủ tịch UBND tỉnh kết luận như sau:",
            *numbered,
            "Văn phòng UBND tỉnh thông báo để các cơ quan, đơn vị biết, thực hiện./.",
        ]
    elif kind == "kh":
        subject = f"Triển khai {topic}"
        body = [
            "KẾ HOẠCH",
            subject,
            "",
            citation,
            "UBND tỉnh ban hành Kế hoạch như sau:",
            "I. MỤC ĐÍCH, YÊU CẦU",
            "Bảo đảm triển khai đồng bộ, hiệu quả, đúng quy định.",
            "II. TỔ CHỨC THỰC HIỆN",
            *numbered,
        ]
    else:
        subject = f"Về việc {topic}"
        body = [
            "CÔNG ĐIỆN",
            subject,
            "",
            ("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH" if issuer.chairman else "ỦY BAN NHÂN DÂN TỈNH") + " điện:",
            "- Giám đốc các sở, ban, ngành;",
            "- Chủ tịch UBND các huyện, thành phố.",
            "",
            "Để chủ động ứng phó, yêu cầu thực hiện ngay các nội dung sau:",
            *numbered,
        ]
    sign = [
        "Nơi nhận:",
        "- Như trên;",
        "- Lưu: VT.",
        "TM. ỦY BAN NHÂN DÂN",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Nguyễn Văn A",
    ]
    if kind == "cd":
        doc_type = "Công điện"
    text = "\n".join([*header, *body, "", *sign]) + "\n"
    if rng.random() < 0.15 and kind != "kh":
        # a second, conflicting deadline phrase on the first task
        pass
    received = issued + timedelta(days=1)
    for t in tasks:
        dl = t["deadline"]
        if isinstance(dl, dict) and "working_days" in dl:
            pass
    expected = {
        "number": number,
        "issuer_code": issuer.code,
        "doc_type": doc_type,
        "issued_on": issued.isoformat(),
        "subject": subject,
        "secrecy": None,
        "urgency": urgency,
        "tasks": tasks,
        "needs_review": review,
        "received_on": received.isoformat(),
    }
    return Doc(text, expected, received)


def noisy_pdf(text: str, rng: random.Random) -> str:
    """Wrap at ~60 columns like a PDF text layer, glue a few words, hyphen-break some syllables."""
    out: list[str] = []
    for line in text.split("\n"):
        if len(line) < 70:
            out.append(line)
            continue
        words, cur = line.split(" "), ""
        for w in words:
            if len(cur) + len(w) > 60:
                out.append(cur)
                cur = w
            else:
                cur = f"{cur} {w}".strip()
        out.append(cur)
    noisy = "\n".join(out).replace("Sở Tài chính", "SởTài chính").replace(" ngày 1", " ngày1")
    return noisy.replace("tham mưu", "tham mư-\nu") if rng.random() < 0.5 else noisy


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("1[0-9][0-9]-*"):
        old.unlink()
    for i in range(80):
        doc = make(1000 + i)
        name = f"{100 + i:03d}-gen"
        text = doc.text
        if i % 10 == 7:
            text = noisy_pdf(text, random.Random(i))
            name += "-pdfnoise"
        (OUT / f"{name}.txt").write_text(text, encoding="utf-8")
        (OUT / f"{name}.expected.json").write_text(
            json.dumps(doc.expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )


if __name__ == "__main__":
    main()
