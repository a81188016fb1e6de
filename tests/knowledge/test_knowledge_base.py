"""The bundled Yotsukaido knowledge base: size, English coverage, every DX-plan topic and every matter
residents most often ask about, and no fee, phone number or amount that is not a national rule."""

from __future__ import annotations

import re

import pytest

from chatbot.core import languages
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


# Matters residents most often phone a city hall about → the FAQs that answer them, so a deleted or
# unpublished FAQ is noticed. (The knowledge-base breadth issue lists them.)
MATTERS: dict[str, tuple[str, ...]] = {
    "出生届": ("family-birth-notification", "family-birth-after-procedures"),
    "婚姻届・離婚届": ("family-marriage-notification", "family-divorce-notification"),
    "死亡届とおくやみの手続き": (
        "family-death-notification", "family-after-death-procedures", "family-cremation-permit"),
    "養子縁組・認知（案内のみ）": ("family-adoption", "family-acknowledgment"),
    "印鑑登録": ("certificates-inkan-registration", "certificates-inkan-registration-proxy",
                 "certificates-inkan-card-lost", "certificates-inkan-abolish"),
    "住民票・戸籍の代理請求と郵送請求": ("certificates-juminhyo-proxy", "certificates-mail-request"),
    "戸籍の広域交付": ("certificates-koseki-kouiki",),
    "身分証明書": ("certificates-mibun-shomeisho",),
    "証明書の手数料": ("certificates-fees",),
    "国民年金（加入・免除・学生納付特例・相談先）": (
        "insurance-nenkin-join-20", "insurance-nenkin-join-retire", "insurance-nenkin-exemption",
        "insurance-nenkin-student", "insurance-nenkin-pension-consultation"),
    "国民健康保険（加入・脱退・保険証・高額療養費・出産育児一時金・葬祭費）": (
        "insurance-kokuho-join", "insurance-kokuho-leave", "insurance-kokuho-card-renewal",
        "insurance-kokuho-card-reissue", "insurance-kogaku-ryoyohi", "insurance-birth-lump-sum",
        "insurance-funeral-expenses"),
    "後期高齢者医療・介護保険料": (
        "insurance-koki-join", "insurance-koki-premium-amount", "insurance-kaigo-premium-65"),
    "住民税（申告・税額決定通知・特別徴収と普通徴収）": (
        "tax-juminzei-shinkoku", "tax-juminzei-notice", "tax-juminzei-tokucho-fucho"),
    "課税・所得証明書": ("certificates-tax-certificate",),
    "固定資産税（取り壊し・納税通知書・評価の相談）": ("tax-kotei-demolish", "tax-kotei-notice", "tax-kotei-appeal"),
    "軽自動車税（廃車・名義変更・減免）": ("tax-kei-haisha", "tax-kei-meigi", "tax-kei-genmen"),
    "ごみ（分別・収集日・粗大ごみ・家電4品目・パソコン・危険なごみ・引越し）": (
        "garbage-sorting-howto", "garbage-collection-day", "garbage-sodai", "garbage-kaden-recycle", "garbage-pc",
        "garbage-small-appliance", "garbage-spray-can", "garbage-batteries", "garbage-fluorescent", "garbage-moving"),
    "野焼き": ("environment-open-burning",),
    "ペット（犬の登録・狂犬病予防注射・死んだとき・飼い主のいない猫）": (
        "environment-dog-registration", "environment-rabies-vaccine", "environment-dog-death",
        "environment-pet-remains", "environment-stray-cat"),
    "子ども（児童扶養手当・ひとり親・子ども医療費・学童・予防接種・健診・一時預かり）": (
        "children-jido-fuyo-teate-apply", "children-hitorioya-support", "children-kodomo-iryohi-apply",
        "children-gakudo-apply", "children-vaccination-yoshinhyo", "children-nyuyoji-kenshin",
        "children-ichiji-azukari"),
    "学校（入学・転校・就学援助）": (
        "children-school-entry", "children-school-transfer-in", "children-school-transfer-out",
        "children-school-transfer-within", "children-shugaku-enjo"),
    "福祉（障害者手帳・障害福祉サービス・生活保護・地域包括支援センター）": (
        "welfare-shintai-techo", "welfare-ryoiku-techo", "welfare-seishin-techo", "welfare-shogai-fukushi-service",
        "welfare-seikatsu-hogo", "welfare-houkatsu-center"),
    "防災（避難所・ハザードマップ・防災行政無線・被災者支援）": (
        "safety-evacuation-shelter-find", "safety-hazard-map", "safety-bosai-musen", "safety-saiken-shienkin"),
    "休日・夜間の急病（当番医・#7119・#8000）": (
        "safety-holiday-clinic", "safety-emergency-phone-7119", "safety-child-emergency-8000"),
    "消費生活相談（クーリングオフ・188）": ("safety-consumer-consultation", "safety-cooling-off"),
    "水道（使用開始・中止・料金・漏水）": ("living-water-start", "living-water-stop", "living-water-bill-payment",
                               "living-water-leak"),
    "道路の穴・街灯・倒木": ("living-road-pothole", "living-streetlight-out", "living-fallen-tree"),
    "市営住宅・自治会": ("living-municipal-housing", "living-jichikai-join"),
    "選挙（期日前投票・投票所入場券）": ("living-early-voting", "living-voting-ticket-lost"),
    "パスポート・職員採用・情報公開・ふるさと納税・市長への意見": (
        "living-passport-apply", "living-city-job-recruitment", "living-information-disclosure",
        "living-furusato-nozei", "living-opinion-to-mayor"),
    "国がオンライン化を求める手続（子育て・介護・被災者支援・転出転入）": (
        "children-online-kosodate", "welfare-kaigo-online", "safety-disaster-support-online",
        "procedures-moving-out-online", "procedures-moving-in-reservation"),
}

# What foreign residents need most (moving in and out, residence record, My Number card, health insurance,
# pension, tax payment, garbage, child allowance, pregnancy, the consultation desk, office hours, disasters):
# translated into every language of the registry.
FOREIGN_NEEDS: tuple[str, ...] = (
    "procedures-moving-in-notification", "procedures-moving-in-reservation", "procedures-moving-out-online",
    "procedures-moving-out-mail", "procedures-moving-within-city", "certificates-juminhyo-counter",
    "certificates-juminhyo-proxy", "procedures-konbini-juminhyo", "mynumber-card-apply", "mynumber-card-pickup",
    "mynumber-card-lost", "mynumber-pin-forgot", "mynumber-address-change", "mynumber-hokensho",
    "insurance-kokuho-join", "insurance-kokuho-leave", "insurance-kokuho-card-reissue", "cashless-kokuho-tax",
    "insurance-nenkin-join-20", "insurance-nenkin-exemption", "insurance-nenkin-dattai-ichijikin",
    "insurance-nenkin-pension-consultation", "cashless-convenience-store", "cashless-smartphone-tax",
    "tax-juminzei-payment-schedule", "tax-juminzei-shinkoku", "tax-tainou-soudan", "garbage-sorting-howto",
    "garbage-collection-day", "garbage-sodai", "garbage-moving", "procedures-jidouteate-apply",
    "procedures-jidouteate-change", "procedures-pregnancy-notification", "children-shussan-kyufu",
    "general-foreign-consultation", "general-foreign-language-support", "general-office-hours",
    "general-office-weekend", "general-phone", "safety-evacuation-shelter-find", "safety-hazard-map",
    "safety-evacuation-alert-level", "safety-stockpile",
)

# Every yen amount an answer may state, each a national rule; any other amount is a city fee or an
# invention and must be replaced by where to confirm it.
NATIONAL_AMOUNTS: dict[int, str] = {
    2_000: "ふるさと納税の自己負担額",
    50_000: "妊婦のための支援給付（妊娠の届出後と出産後、子ども一人につき5万円）",
    180_000: "介護保険料の特別徴収（年金年額18万円以上）",
    200_000: "確定申告不要の所得（20万円以下）",
    250_000: "被災者生活再建支援金の加算支援金（中規模半壊・賃借）",
    500_000: "出産育児一時金／被災者生活再建支援金",
    1_000_000: "被災者生活再建支援金",
    1_350_000: "住民税の非課税限度額（障害者・未成年者・ひとり親等）",
    2_000_000: "被災者生活再建支援金の加算支援金",
    2_500_000: "災害弔慰金・災害障害見舞金",
    5_000_000: "災害弔慰金",
}
# Phone numbers an answer may give: the switchboard and nationwide lines.
NATIONAL_PHONES = {"043-421-2111", "0120-95-0178", "#7119", "#8000", "#9110"}
_YEN = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(万|million|thousand)?\s*(?:円|yen)", re.IGNORECASE)
_PHONE = re.compile(r"\b0\d{1,4}-\d{1,4}-\d{3,4}\b|[#＃]\d{3,4}|内線|\bext\.\s*\d", re.IGNORECASE)
_SCALE = {"": 1, "万": 10_000, "million": 1_000_000, "thousand": 1_000}


@pytest.fixture(scope="module")
def kb():
    kb, problems = load_knowledge(REPO / "knowledge")
    assert [p for p in problems if p.severity == "error"] == []
    return kb


def test_size_alt_questions_and_english(kb) -> None:
    published = kb.published
    assert len(published) >= 250
    assert sum(len(f.alt_questions) >= 3 for f in published) >= 0.95 * len(published)
    assert all("en" in f.translations for f in published)
    assert all(len(f.translations["en"].alt_questions) >= 3 for f in published)


@pytest.mark.parametrize("lang", [code for code in languages.CODES if code not in ("ja", "en")])
def test_what_foreign_residents_need_most_is_translated(kb, lang: str) -> None:
    assert len(FOREIGN_NEEDS) >= 40
    for faq_id in FOREIGN_NEEDS:
        faq = kb.faq(faq_id)
        assert faq is not None and faq.published and lang in faq.translations, f"{faq_id} has no {lang}"
        assert len(faq.translations[lang].alt_questions) >= 2, f"{faq_id}: {lang} needs 2 alt questions"


def test_every_translation_is_dated_current_and_keeps_the_numbers_and_urls() -> None:
    _, problems = load_knowledge(REPO / "knowledge")
    assert [p.format() for p in problems if p.code.startswith("translation_")] == []


@pytest.mark.parametrize("matter", sorted(MATTERS))
def test_every_matter_residents_ask_about_is_answered(kb, matter: str) -> None:
    for faq_id in MATTERS[matter]:
        faq = kb.faq(faq_id)
        assert faq is not None and faq.published, f"{matter}: {faq_id} missing"


def _texts(faq) -> list[str]:
    return [faq.answer, *faq.alt_questions, *(t.answer for t in faq.translations.values())]


def test_amounts_are_national_rules_only(kb) -> None:
    found = {(faq.id, round(float(number.replace(",", "")) * _SCALE[scale.lower()]))
             for faq in kb.published for text in _texts(faq) for number, scale in _YEN.findall(text)}
    assert found, "the amount pattern no longer matches anything"
    assert {(faq_id, yen) for faq_id, yen in found if yen not in NATIONAL_AMOUNTS} == set()


def test_phone_numbers_are_the_switchboard_or_national_lines(kb) -> None:
    found = {(faq.id, number) for faq in kb.published for text in _texts(faq) for number in _PHONE.findall(text)}
    assert {(faq_id, n) for faq_id, n in found if n.replace("＃", "#") not in NATIONAL_PHONES} == set()
    assert {n for _, n in found} >= {"043-421-2111", "#7119", "#8000"}


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
    assert {faq_id for r in in_scope for faq_id in r[1].split("|")} <= {f.id for f in kb.published}
