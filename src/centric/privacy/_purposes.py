"""The purposes registry: why personal data is processed, on what legal basis, for how long.

Vietnam's PDP Law 91/2025 with Decree 356/2025 has no "legitimate interests" basis: everything
beyond performing the contract (``service``) and legal duties needs the customer's consent, given
per purpose. Online behaviour and transaction history count as *sensitive* data, so profiling
(personas, churn scoring, recommendations) runs only for customers who consented to it.

Purpose ids are stable strings stored in ``consents.purpose``; names are in both languages.
"""

from __future__ import annotations

from dataclasses import dataclass

from centric.exceptions import InputError

__all__ = ["PURPOSES", "Purpose", "purpose"]


@dataclass(frozen=True)
class Purpose:
    """One processing purpose.

    ``basis`` is ``consent``, ``contract`` or ``legal_obligation``; only ``consent`` purposes need a
    granted consent record. ``retention_days`` is how long data kept for this purpose is kept
    after the relationship ends. ``data_classes`` name the schema's sensitivity tags it uses.
    """

    id: str
    name_en: str
    name_vi: str
    basis: str
    retention_days: int
    data_classes: tuple[str, ...]
    channel: str | None = None

    @property
    def needs_consent(self) -> bool:
        return self.basis == "consent"


PURPOSES: dict[str, Purpose] = {p.id: p for p in (
    Purpose("service", "Providing the service (orders, delivery, support)",
            "Cung cấp dịch vụ (đơn hàng, giao hàng, hỗ trợ)", "contract", 5 * 365, ("basic",)),
    Purpose("surveys", "Customer surveys (NPS, CSAT, CES)", "Khảo sát khách hàng (NPS, CSAT, CES)",
            "consent", 3 * 365, ("basic",)),
    Purpose("analytics", "Analytics and profiling (personas, churn risk, lifetime value)",
            "Phân tích và lập hồ sơ (chân dung, nguy cơ rời bỏ, giá trị vòng đời)",
            "consent", 3 * 365, ("basic", "sensitive")),
    Purpose("personalisation", "Personalised recommendations and offers", "Gợi ý và ưu đãi cá nhân hoá",
            "consent", 2 * 365, ("basic", "sensitive")),
    Purpose("life_stage", "Inferring life stage (e.g. new parent)", "Suy luận giai đoạn cuộc sống (vd. mới làm cha mẹ)",
            "consent", 2 * 365, ("basic", "sensitive")),
    Purpose("marketing_email", "Marketing by e-mail", "Tiếp thị qua e-mail", "consent", 2 * 365, ("basic",), "email"),
    Purpose("marketing_zalo", "Marketing on Zalo", "Tiếp thị qua Zalo", "consent", 2 * 365, ("basic",), "zalo"),
    Purpose("marketing_sms", "Marketing by SMS", "Tiếp thị qua SMS", "consent", 2 * 365, ("basic",), "sms"),
    Purpose("marketing_messenger", "Marketing on Messenger", "Tiếp thị qua Messenger", "consent", 2 * 365,
            ("basic",), "messenger"),
    Purpose("wellbeing_survey", "Wellbeing answers (sensitive data)",
            "Câu trả lời về sức khoẻ, hạnh phúc (dữ liệu nhạy cảm)",
            "consent", 365, ("sensitive",)),
    Purpose("processors", "Sharing with processors (e-mail, SMS, Zalo gateways)",
            "Chia sẻ với bên xử lý (cổng e-mail, SMS, Zalo)", "consent", 2 * 365, ("basic",)),
    Purpose("cross_border", "Transfer abroad (cloud hosting outside Vietnam)",
            "Chuyển dữ liệu ra nước ngoài (lưu trữ đám mây ngoài Việt Nam)", "consent", 2 * 365,
            ("basic", "sensitive")),
)}


def purpose(pid: str) -> Purpose:
    """The registered purpose ``pid``, or a clear error listing the purposes there are."""
    try:
        return PURPOSES[pid]
    except KeyError:
        raise InputError(
            f"Unknown purpose {pid!r}; the purposes are: {', '.join(PURPOSES)}."
        ) from None
