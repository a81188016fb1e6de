"""The bundled Yotsukaido knowledge base: size, English coverage, and every DX-plan topic."""

from __future__ import annotations

import pytest

from chatbot.knowledge import load_knowledge
from tests.helpers import REPO

# Each topic the city's DX plan names → the FAQs that answer it.
TOPICS: dict[str, tuple[str, ...]] = {
    "児童手当の申請・現況届": ("procedures-jidouteate-apply", "procedures-jidouteate-genkyo"),
    "保育所等の入所申込": ("procedures-hoiku-apply",),
    "妊娠の届出": ("procedures-pregnancy-notification",),
    "要介護・要支援認定の申請": ("procedures-kaigo-nintei-apply",),
    "罹災証明書": ("procedures-risai-certificate",),
    "転出届と転入予約（引越しワンストップサービス）": (
        "procedures-moving-out-online", "procedures-moving-in-reservation"),
    "転入・転居の届出": ("procedures-moving-in-notification", "procedures-moving-within-city"),
    "住民票の写し・印鑑登録証明書（コンビニ交付）": ("procedures-konbini-juminhyo", "procedures-konbini-inkan"),
    "図書館の予約・延長": ("procedures-library-reserve", "procedures-library-renew"),
    "公共施設の予約": ("procedures-facility-reservation",),
    "講座・イベントの申込": ("procedures-event-application",),
    "電子入札": ("procedures-e-bidding",),
    "市ホームページの電子申請・LoGoフォーム": ("procedures-logo-form",),
    "市税のスマホ決済（納付書のQRコード、eL-QR）": ("cashless-smartphone-tax", "cashless-eltax-qr"),
    "国民健康保険税・介護保険料等の納付": ("cashless-kokuho-tax", "cashless-kaigo-premium"),
    "口座振替": ("cashless-account-transfer",),
    "窓口手数料のキャッシュレス決済": ("cashless-counter-fees",),
    "クリーンセンターのごみ処理手数料": ("cashless-clean-center-fee",),
    "スマホ決済と領収書": ("cashless-smartphone-receipt",),
    "オンライン申請の手数料": ("cashless-online-fee",),
    "マイナンバーカードの申請方法（オンライン・郵送・証明写真機）": (
        "mynumber-card-apply", "mynumber-apply-online", "mynumber-apply-mail", "mynumber-apply-photo-booth"),
    "マイナンバーカードの受け取り（予約・持ち物）": ("mynumber-card-pickup", "mynumber-card-pickup-items"),
    "出張申請受付": ("mynumber-outreach-application",),
    "暗証番号を忘れた・ロック": ("mynumber-pin-forgot", "mynumber-pin-locked"),
    "電子証明書とカードの更新": ("mynumber-certificate-renewal", "mynumber-card-renewal"),
    "紛失・盗難": ("mynumber-card-lost",),
    "マイナ保険証": ("mynumber-hokensho",),
    "マイナポータル": ("mynumber-myna-portal",),
    "引越し時の住所変更": ("mynumber-address-change",),
    "スマホ用電子証明書": ("mynumber-smartphone-certificate",),
    "公金受取口座": ("mynumber-public-fund-account",),
    "スマートフォン講習会（デジタル・デバイド対策）": ("general-smartphone-class",),
    "外国人の方の窓口相談（翻訳機）": ("general-foreign-consultation",),
    "メール配信サービス": ("general-mail-service",),
    "オープンデータ": ("general-open-data",),
    "地図情報の公開": ("general-map-information",),
    "開庁時間・市役所の場所・代表電話": ("general-office-hours", "general-city-hall-location", "general-phone"),
    "このチャットボットについて": ("general-chatbot-about", "general-chatbot-privacy"),
}


@pytest.fixture(scope="module")
def kb():
    kb, problems = load_knowledge(REPO / "knowledge")
    assert [p for p in problems if p.severity == "error"] == []
    return kb


def test_size_and_alt_questions(kb) -> None:
    assert len(kb.published) >= 80
    assert all(len(f.alt_questions) >= 2 for f in kb.published)
    assert sum("en" in f.translations for f in kb.published) >= 20


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_every_topic_is_covered(kb, topic: str) -> None:
    for faq_id in TOPICS[topic]:
        faq = kb.faq(faq_id)
        assert faq is not None and faq.published, f"{topic}: {faq_id} missing"


def test_every_department_reference_and_contact(kb) -> None:
    assert kb.departments[kb.default_department].phone == "043-421-2111"
    assert "鹿渡無番地" in (kb.departments[kb.default_department].location or "")
    assert {f.department for f in kb.faqs} <= set(kb.departments)


def test_eval_queries_point_at_real_faqs(kb) -> None:
    rows = (REPO / "tests" / "eval" / "queries.tsv").read_text(encoding="utf-8").splitlines()[1:]
    expected = [r.split("\t") for r in rows]
    assert all(len(r) == 3 for r in expected)
    in_scope = [r for r in expected if r[1] != "-"]
    assert len(in_scope) >= 150 and len(expected) - len(in_scope) >= 30
    assert {r[1] for r in in_scope} <= {f.id for f in kb.published}
