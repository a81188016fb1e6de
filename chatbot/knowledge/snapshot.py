"""A knowledge base frozen into JSON inside each index version.

Serving reads only this snapshot, never ``knowledge/`` itself, so a request is answered
wholly from one version even while staff are editing files.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from chatbot.knowledge.model import FAQ, Closure, Department, FaqText, KnowledgeBase


def dump(kb: KnowledgeBase) -> dict[str, Any]:
    return {
        "content_hash": kb.content_hash,
        "default_department": kb.default_department,
        "foreign_department": kb.foreign_department,
        "synonyms": {k: list(v) for k, v in kb.synonyms.items()},
        "readings": dict(kb.readings),
        "faqs": [_faq(f) for f in kb.faqs],
        "departments": [_department(d) for d in kb.departments.values()],
        "elsewhere": [_department(d) for d in kb.elsewhere.values()],
        "closures": [{"start": c.start.isoformat(), "end": c.end.isoformat(), "reason": c.reason,
                      "departments": list(c.departments)} for c in kb.closures],
    }


def load(data: dict[str, Any]) -> KnowledgeBase:
    faqs = tuple(
        FAQ(id=f["id"], question=f["question"], alt_questions=tuple(f["alt_questions"]), category=f["category"],
            department=f["department"], answer=f["answer"], updated=dt.date.fromisoformat(f["updated"]),
            status=f["status"], tags=tuple(f["tags"]), url=f["url"],
            translations={code: _text(text) for code, text in f["translations"].items()})
        for f in data["faqs"]
    )
    departments = {d["key"]: _load_department(d) for d in data["departments"]}
    closures = tuple(Closure(dt.date.fromisoformat(c["start"]), dt.date.fromisoformat(c["end"]), c["reason"],
                             tuple(c["departments"])) for c in data["closures"])
    synonyms = {k: tuple(v) for k, v in data["synonyms"].items()}
    return KnowledgeBase(faqs, departments, data["default_department"], synonyms, closures, data["content_hash"],
                         dict(data.get("readings", {})), data.get("foreign_department", ""),
                         {d["key"]: _load_department(d) for d in data.get("elsewhere", [])})


def _load_department(d: dict[str, Any]) -> Department:
    return Department(
        key=d["key"], name=d["name"], phone=d["phone"], email=d["email"], url=d["url"], location=d["location"],
        note=d["note"], names=d["names"],
        hours={int(day): tuple((dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in spans)
               for day, spans in d["hours"].items()},
        closed_on_holidays=d["closed_on_holidays"], year_end_closed=d["year_end_closed"],
        topics=tuple(d["topics"]), foreign_topics={k: tuple(v) for k, v in d.get("foreign_topics", {}).items()},
    )


def _faq(f: FAQ) -> dict[str, Any]:
    return {"id": f.id, "question": f.question, "alt_questions": list(f.alt_questions), "category": f.category,
            "department": f.department, "answer": f.answer, "updated": f.updated.isoformat(), "status": f.status,
            "tags": list(f.tags), "url": f.url,
            "translations": {code: {"question": t.question, "answer": t.answer, "alt_questions": list(t.alt_questions),
                                    "updated": t.updated.isoformat() if t.updated else None}
                             for code, t in f.translations.items()}}


def _text(t: dict[str, Any]) -> FaqText:
    """A translation; versions built before alt questions and dates were kept have neither."""
    updated = t.get("updated")
    return FaqText(t["question"], t["answer"], tuple(t.get("alt_questions", ())),
                   dt.date.fromisoformat(updated) if updated else None)


def _department(d: Department) -> dict[str, Any]:
    return {"key": d.key, "name": d.name, "phone": d.phone, "email": d.email, "url": d.url,
            "location": d.location, "note": d.note, "names": dict(d.names),
            "hours": {str(day): [[a.isoformat("minutes"), b.isoformat("minutes")] for a, b in spans]
                      for day, spans in d.hours.items()},
            "closed_on_holidays": d.closed_on_holidays, "year_end_closed": d.year_end_closed,
            "topics": list(d.topics), "foreign_topics": {k: list(v) for k, v in d.foreign_topics.items()}}
