"""The parts of an XMP packet that tell an edit: the tool that wrote it, its dates, and the edit
history (xmpMM:History). Read with regular expressions over a capped prefix of the packet, never
an XML parser (no entity is ever expanded); a packet declaring a DTD or entities is refused."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from veriflow.forensics.metadata_report import Report, listed

MAX_PACKET = 256 * 1024  # a real packet is a few KB; padding aside, more is not metadata
_MAX_EVENTS = 100
_MAX_VALUE = 200
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_EDIT_ACTIONS = frozenset({"saved", "converted", "derived", "edited", "cropped", "resized", "filtered"})
_ESCAPES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'"}


@dataclass(frozen=True)
class HistoryEvent:
    action: str
    agent: str | None
    when: str | None


@dataclass
class Xmp:
    creator_tool: str | None = None
    create_date: str | None = None
    modify_date: str | None = None
    history: list[HistoryEvent] = field(default_factory=list)
    derived_from: bool = False  # xmpMM:DerivedFrom names the document this one was made from
    refused: str | None = None  # why the packet was not read
    truncated: bool = False


def read_xmp(packet: bytes) -> Xmp:
    """What the packet says, or an `Xmp` whose `refused` says why it was not read."""
    if _DECLARATION.search(packet[:MAX_PACKET]):
        return Xmp(refused="it declares a DTD or entities, which XMP never needs")
    text = packet[:MAX_PACKET].decode("utf-8", errors="replace")
    result = Xmp(truncated=len(packet) > MAX_PACKET)
    result.creator_tool = _property(text, "xmp:CreatorTool")
    result.create_date = _property(text, "xmp:CreateDate")
    result.modify_date = _property(text, "xmp:ModifyDate")
    result.derived_from = re.search(r"<xmpMM:DerivedFrom\b|\bxmpMM:DerivedFrom\s*=", text) is not None
    history = re.search(r"<xmpMM:History\b(.*?)(?:</xmpMM:History>|\Z)", text, re.DOTALL)  # a cut packet too
    if history:
        for item in history.group(1).split("<rdf:li")[1:_MAX_EVENTS + 1]:
            action = _property(item, "stEvt:action")
            if action:
                result.history.append(HistoryEvent(action, _property(item, "stEvt:softwareAgent"),
                                                   _property(item, "stEvt:when")))
    return result


def _property(text: str, name: str) -> str | None:
    """`name` as an attribute (name="v") or an element (<name>v</name>, or an rdf:Alt's first li)."""
    escaped = re.escape(name)
    found = re.search(rf'\b{escaped}\s*=\s*"([^"]{{0,{_MAX_VALUE}}})"', text) or \
        re.search(rf"\b{escaped}\s*=\s*'([^']{{0,{_MAX_VALUE}}})'", text)
    if found is None:
        element = re.search(rf"<{escaped}\b[^>]{{0,200}}>(.{{0,2000}}?)</{escaped}>", text, re.DOTALL)
        if element is None:
            return None
        inner = re.sub(r"<[^>]{0,200}>", " ", element.group(1))  # rdf:Alt/rdf:li wrappers
        value = " ".join(inner.split())[:_MAX_VALUE]
    else:
        value = found.group(1).strip()
    for entity, character in _ESCAPES.items():
        value = value.replace(entity, character)
    return value or None


def edit_history(xmp: Xmp | None, report: Report) -> None:
    """edit_history 0.20 (warning) for saved/converted/derived events or a DerivedFrom; xmp_refused 0.05."""
    if xmp is None:
        return
    if xmp.refused:
        report.add("xmp_refused", f"The XMP packet was not read: {xmp.refused}.", "notice", 0.05)
        return
    edits = [event for event in xmp.history if event.action.lower() in _EDIT_ACTIONS]
    if edits or xmp.derived_from:
        shown = ", ".join(f"{e.action} by {e.agent or 'an unnamed tool'}" + (f" at {e.when}" if e.when else "")
                           for e in edits[:5])
        more = f" (and {len(edits) - 5} more)" if len(edits) > 5 else ""
        what = f"records {len(edits)} edit(s): {shown}{more}" if edits else "names a document it was derived from"
        report.add("edit_history", f"The XMP edit history {what}.", "warning", 0.20,
                   actions=listed(e.action for e in edits[:20]),
                   agents=listed(sorted({e.agent for e in edits if e.agent})[:10]))
