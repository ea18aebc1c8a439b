"""Accountability documents generated from the purposes registry and the schema's sensitivity tags.

* :func:`records_of_processing` — GDPR Art. 30 records (controller, purposes, data categories,
  recipients, transfers, retention, security measures), vi/en, Markdown.
* :func:`dpia_dossier` — a *draft* personal-data processing impact assessment dossier in the
  structure Vietnamese authorities expect (Decree 356/2025; under Decree 13/2023 it was Form 04):
  controller, purposes, data types, recipients, cross-border transfer, duration, risks, measures.
  A lawyer completes it; the generated text says so.
"""

from __future__ import annotations

from typing import Any

from centric.privacy._purposes import PURPOSES
from centric.schema import TABLES

__all__ = ["data_inventory", "dpia_dossier", "records_of_processing", "to_html"]

MEASURES = {
    "en": [
        "Consent checked where data is used (one decision function, per purpose); withdrawal effective at once",
        "Restriction and objection exclude the person from all processing except storage",
        "Erasure deletes every row, rewrites the store file and the workspace files, and keeps only keyed hashes",
        "Tamper-evident audit log (SHA-256 hash chain) of profile views, exports, erasures, consent changes, logins",
        "Keyed-HMAC pseudonyms for analytics exports; minimum cell size in reports",
        "Optional AES-256-GCM field encryption of personal columns; secrets ≥ 32 bytes, file mode 0600",
        "Role-based access (viewer / analyst / admin) and scoped API keys",
    ],
    "vi": [
        "Kiểm tra sự đồng ý tại nơi sử dụng dữ liệu (một hàm quyết định, theo từng mục đích); rút lại có hiệu lực ngay",
        "Hạn chế và phản đối xử lý loại người đó khỏi mọi xử lý, trừ lưu trữ",
        "Xoá dữ liệu xoá mọi dòng, ghi lại tệp cơ sở dữ liệu và các tệp, chỉ giữ mã băm có khoá",
        "Nhật ký kiểm toán chống sửa đổi (chuỗi băm SHA-256): xem hồ sơ, xuất, xoá, thay đổi đồng ý, đăng nhập",
        "Bí danh HMAC có khoá cho dữ liệu phân tích xuất ra; cỡ ô tối thiểu trong báo cáo",
        "Tuỳ chọn mã hoá trường AES-256-GCM cho cột dữ liệu cá nhân; khoá bí mật ≥ 32 byte, quyền tệp 0600",
        "Phân quyền theo vai trò (xem / phân tích / quản trị) và khoá API theo phạm vi",
    ],
}


def data_inventory() -> list[dict[str, Any]]:
    """Every personal column of the schema with its sensitivity (basic / sensitive)."""
    return [{"table": t.name, "column": c.name, "sensitivity": c.sensitivity, "doc": c.doc}
            for t in TABLES.values() for c in t.columns if c.sensitivity != "none"]


def _classes(kind: str) -> list[str]:
    return sorted({f"{r['table']}.{r['column']}" for r in data_inventory() if r["sensitivity"] == kind})


def records_of_processing(lang: str = "en", *, controller: str = "<controller>", contact: str = "<DPO contact>",
                          hosting: str = "Vietnam") -> str:
    """GDPR Art. 30 records of processing, one section per purpose (Markdown)."""
    vi = lang == "vi"
    out = [f"# {'Hồ sơ hoạt động xử lý dữ liệu (GDPR Điều 30)' if vi else 'Records of processing (GDPR Art. 30)'}",
           "", f"- {'Bên kiểm soát' if vi else 'Controller'}: {controller}",
           f"- {'Liên hệ bảo vệ dữ liệu' if vi else 'Data protection contact'}: {contact}",
           f"- {'Nơi lưu trữ' if vi else 'Hosting'}: {hosting}", "",
           f"| {'mục đích' if vi else 'purpose'} | {'cơ sở pháp lý' if vi else 'legal basis'} | "
           f"{'loại dữ liệu' if vi else 'data classes'} | {'thời hạn lưu (ngày)' if vi else 'retention (days)'} | "
           f"{'bên nhận' if vi else 'recipients'} |", "|---|---|---|---|---|"]
    for p in PURPOSES.values():
        recipients = ("bên xử lý (cổng e-mail/SMS/Zalo)" if vi else "processors (e-mail/SMS/Zalo gateways)") \
            if p.channel or p.id == "processors" else ("nội bộ" if vi else "internal")
        out.append(f"| {p.name_vi if vi else p.name_en} (`{p.id}`) | {p.basis} | {', '.join(p.data_classes)} | "
                   f"{p.retention_days} | {recipients} |")
    out += ["", f"## {'Dữ liệu cơ bản' if vi else 'Basic personal data'}",
            ", ".join(f"`{c}`" for c in _classes("basic")),
            "", f"## {'Dữ liệu nhạy cảm (Nghị định 356/2025)' if vi else 'Sensitive personal data (Decree 356/2025)'}",
            ", ".join(f"`{c}`" for c in _classes("sensitive")), "",
            f"## {'Chủ thể dữ liệu' if vi else 'Categories of data subjects'}",
            "Khách hàng và khách truy cập trang web/ứng dụng" if vi else "Customers and web/app visitors", "",
            f"## {'Chuyển ra nước ngoài' if vi else 'Transfers to third countries'}",
            ("Chỉ khi khách hàng đồng ý mục đích `cross_border`; cần hồ sơ đánh giá tác động chuyển dữ liệu." if vi else
             "Only with consent to the `cross_border` purpose; a transfer impact assessment is required."), "",
            f"## {'Biện pháp bảo vệ' if vi else 'Security measures'}", *[f"- {m}" for m in MEASURES[lang]], ""]
    return "\n".join(out)


def dpia_dossier(lang: str = "vi", *, controller: str = "<controller>", contact: str = "<DPO contact>",
                 n_subjects: int | None = None) -> str:
    """A draft impact-assessment dossier (Markdown), in the Vietnamese dossier structure."""
    vi = lang == "vi"
    sensitive = any("sensitive" in p.data_classes for p in PURPOSES.values())
    big = n_subjects is not None and n_subjects >= 100_000
    sme = not (sensitive or big)
    h = (["Thông tin bên kiểm soát dữ liệu", "Mục đích xử lý", "Loại dữ liệu cá nhân được xử lý",
          "Tổ chức, cá nhân nhận dữ liệu; bên xử lý", "Chuyển dữ liệu ra nước ngoài",
          "Thời gian xử lý và thời hạn lưu trữ, xoá", "Đánh giá rủi ro và mức độ tác động",
          "Biện pháp bảo vệ dữ liệu cá nhân", "Miễn trừ cho doanh nghiệp nhỏ"] if vi else
         ["Controller", "Purposes of processing", "Types of personal data", "Recipients; processors",
          "Cross-border transfer", "Duration of processing; retention and deletion", "Risks and impact",
          "Protection measures", "Small-enterprise exemption"])
    draft = ("BẢN NHÁP — do Centric tạo tự động; cần luật sư rà soát trước khi nộp (cổng baovedlcn.gov.vn)." if vi else
             "DRAFT — generated by Centric; have a lawyer review it before filing (portal baovedlcn.gov.vn).")
    title = "Hồ sơ đánh giá tác động xử lý dữ liệu cá nhân" if vi else "Personal data processing impact assessment"
    out = [f"# {title}",
           "", f"_{draft}_", "", f"## 1. {h[0]}", f"- {controller}", f"- {contact}", "", f"## 2. {h[1]}"]
    out += [f"- `{p.id}`: {p.name_vi if vi else p.name_en} ({p.basis})" for p in PURPOSES.values()]
    out += ["", f"## 3. {h[2]}", f"- {'Cơ bản' if vi else 'Basic'}: " + ", ".join(_classes("basic")),
            f"- {'Nhạy cảm' if vi else 'Sensitive'}: " + ", ".join(_classes("sensitive")), "", f"## 4. {h[3]}",
            "- " + ("Cổng gửi e-mail, SMS, Zalo OA (bên xử lý), theo hợp đồng xử lý dữ liệu" if vi else
                    "E-mail, SMS and Zalo OA gateways (processors), under processing agreements"),
            "", f"## 5. {h[4]}", "- " + ("Chỉ với sự đồng ý `cross_border`; lập hồ sơ đánh giá tác động chuyển dữ liệu "
                                          "ra nước ngoài" if vi else "Only with `cross_border` consent; prepare a "
                                          "transfer impact assessment"), "", f"## 6. {h[5]}"]
    out += [f"- `{p.id}`: {p.retention_days} {'ngày' if vi else 'days'}" for p in PURPOSES.values()]
    risks = (["Lộ lịch sử giao dịch, hành vi trực tuyến (dữ liệu nhạy cảm)", "Lập hồ sơ khách hàng không có đồng ý",
              "Gửi tiếp thị sau khi khách rút lại đồng ý", "Dữ liệu còn sót lại sau khi xoá"] if vi else
             ["Disclosure of transaction history and online behaviour (sensitive)", "Profiling without consent",
              "Marketing after withdrawal", "Copies surviving an erasure"])
    out += ["", f"## 7. {h[6]}", *[f"- {r}" for r in risks], "", f"## 8. {h[7]}", *[f"- {m}" for m in MEASURES[lang]],
            "", f"## 9. {h[8]}",
            ("- " + ("Có thể áp dụng (không xử lý dữ liệu nhạy cảm, dưới 100.000 chủ thể)" if vi else
                     "May apply (no sensitive data, under 100,000 subjects)") if sme else
             "- " + ("Không áp dụng: có xử lý dữ liệu nhạy cảm" if vi else
                     "Does not apply: sensitive data is processed")
             + ((" và ≥ 100.000 chủ thể" if vi else " and ≥ 100,000 subjects") if big else "")),
            "", ("Cập nhật hồ sơ 6 tháng một lần khi có thay đổi." if vi else
                 "Update the dossier every 6 months when something changes."), ""]
    return "\n".join(out)


def to_html(markdown_text: str, lang: str) -> str:
    """A minimal standalone HTML rendering of the generated Markdown (headings, lists, tables)."""
    import html

    lines, body, in_list, in_table = markdown_text.splitlines(), [], False, False
    for ln in lines:
        e = html.escape(ln)
        if in_list and not ln.startswith("- "):
            body.append("</ul>")
            in_list = False
        if in_table and not ln.startswith("|"):
            body.append("</table>")
            in_table = False
        if ln.startswith("## "):
            body.append(f"<h2>{html.escape(ln[3:])}</h2>")
        elif ln.startswith("# "):
            body.append(f"<h1>{html.escape(ln[2:])}</h1>")
        elif ln.startswith("- "):
            if not in_list:
                body.append("<ul>")
                in_list = True
            body.append(f"<li>{html.escape(ln[2:])}</li>")
        elif ln.startswith("|"):
            if set(ln) <= set("|-"):
                continue
            if not in_table:
                body.append("<table>")
                in_table = True
            cells = "".join(f"<td>{html.escape(c.strip())}</td>" for c in ln.strip("|").split("|"))
            body.append(f"<tr>{cells}</tr>")
        elif ln.strip():
            body.append(f"<p>{e}</p>")
    body.append("</ul>" if in_list else "")
    body.append("</table>" if in_table else "")
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Centric</title>'
            "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto}td{border:1px solid #ccc;"
            "padding:.3rem}table{border-collapse:collapse}</style></head><body>" + "\n".join(body) + "</body></html>\n")
