"""The tool-specific ticket-source readers of SPEC §12 (jira, zendesk, servicenow): raw event rows."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import pytest

from slalang.runtime.records import read_records
from slalang.runtime.sources.formats import (
    ROW_KEYS,
    jira_rows,
    json_documents,
    servicenow_records,
    servicenow_rows,
    zendesk_rows,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sources"
JIRA = FIXTURES / "jira_issues.json"
ZENDESK = FIXTURES / "zendesk_audits.json"
SERVICENOW = FIXTURES / "servicenow_sys_audit.csv"

JIRA_COLUMNS = {"customer": "fields.customfield_10002.0.name", "service": "fields.customfield_10050.value"}
INC_A, INC_B, INC_C = ("a4c123b1612dd272d1371c17149d4395", "36b3216fdaeeb975729fae923d5a4fd1",
                       "2aabfe228f219e9cb0eb53f16947ccf2")


def row(line, ticket, **values):
    out = dict.fromkeys(ROW_KEYS)
    out.update(line=line, ticket=ticket, **values)
    return out


def docs(data: bytes | str, key: str, name: str = "export.json"):
    if isinstance(data, str):
        data = data.encode()
    return list(json_documents(io.BytesIO(data), name, key))


def jira(data, columns=None, **kw):
    return list(jira_rows(docs(data, "issues"), columns or {}, **kw))


def zendesk(data, columns=None, **kw):
    return list(zendesk_rows(docs(data, "audits"), columns or {}, **kw))


def servicenow(data, columns=None, **kw):
    if isinstance(data, str):
        data = data.encode()
    return list(servicenow_rows(servicenow_records(io.BytesIO(data), "sys_audit.csv"), columns or {}, **kw))


def of(rows, ticket):
    return [r for r in rows if r["ticket"] == ticket]


def problems(rows):
    return [r for r in rows if r["problem"] is not None]


def issue(key="SUP-1", created="2024-03-04T09:00:00.000+0000", status="Open", priority="Medium",
          histories=(), **extra):
    doc = {"key": key, "fields": {"created": created, "status": {"name": status}, "priority": {"name": priority}},
           "changelog": {"startAt": 0, "maxResults": len(histories), "total": len(histories),
                         "histories": list(histories)}}
    doc.update(extra)
    return doc


def item(field, frm, to):
    return {"field": field, "fieldtype": "jira", "fieldId": field, "fromString": frm, "toString": to}


def jsonl(*values) -> str:
    return "".join(json.dumps(v) + "\n" for v in values)


# ------------------------------------------------------------------ the fixtures, row for row

def test_jira_fixture_rows():
    rows = jira(JIRA.read_bytes(), JIRA_COLUMNS)
    assert all(tuple(r) == ROW_KEYS for r in rows)
    opened = "2024-03-04T09:15:02.118+0000"
    assert of(rows, "SUP-101") == [
        row(7, "SUP-101", at=opened, opened=opened, status="Waiting for support", severity="Medium",
            customer="Acme Bank", service="Payments API"),
        row(7, "SUP-101", at="2024-03-04T09:40:11.502+0000", status="In Progress"),
        # one history with a priority item before a status item: status first, same instant
        row(7, "SUP-101", at="2024-03-04T11:02:45.000+0000", status="Waiting for customer"),
        row(7, "SUP-101", at="2024-03-04T11:02:45.000+0000", severity="High"),
        row(7, "SUP-101", at="2024-03-05T08:30:00.000+0000", status="Waiting for support"),
        row(7, "SUP-101", at="2024-03-05T14:12:09.300+0000", status="Resolved"),
    ]
    # histories listed out of order come out in time order; no priority change: the current one
    assert [(r["at"], r["status"], r["severity"]) for r in of(rows, "SUP-102")] == [
        ("2024-03-05T22:10:00.000+0000", "Waiting for support", "Highest"),
        ("2024-03-05T22:31:17.000+0000", "In Progress", None),
        ("2024-03-06T10:00:00.000+0000", "Resolved", None),
        ("2024-03-07T09:00:00.000+0000", "In Progress", None),
    ]
    # the malformed history is a problem of its issue; the rest of the issue is still read
    assert of(rows, "SUP-103") == [
        row(317, "SUP-103", at="2024-03-06T08:00:00.000+0000", opened="2024-03-06T08:00:00.000+0000",
            status="Waiting for support", severity="Medium"),
        row(317, "SUP-103", at="2024-03-06T08:45:00.000+0000", status="In Progress"),
        row(317, "SUP-103", problem='changelog history 2 (id 20032) has no "created" instant'),
    ]
    # no changes: current status and priority; the instant text is kept as written
    assert of(rows, "SUP-104") == [
        row(413, "SUP-104", at="2024-03-07T10:00:00.000+0100", opened="2024-03-07T10:00:00.000+0100",
            status="Waiting for support", severity="Low"),
    ]
    assert len(rows) == 14


def test_zendesk_fixture_rows():
    rows = zendesk(ZENDESK.read_bytes(), {"customer": "organization_id"})
    assert all(tuple(r) == ROW_KEYS for r in rows)
    assert [r["ticket"] for r in rows] == ["5001"] * 7 + ["5002"] * 4 + ["5003"]
    opened = "2024-03-04T09:00:00Z"
    assert of(rows, "5001") == [
        row(3, "5001", at=opened, opened=opened, status="new", severity="normal", customer="361"),
        row(145, "5001", at="2024-03-04T09:20:00Z", status="open"),       # private note: no response
        # the requester's public follow-up (10:05) is no response; the agent's public reply is
        row(332, "5001", at="2024-03-04T10:30:00Z", status="pending"),
        row(332, "5001", at="2024-03-04T10:30:00Z", type="responded"),
        row(458, "5001", at="2024-03-05T08:00:00Z", status="open"),
        row(499, "5001", at="2024-03-05T09:00:00Z", severity="high"),     # later public comments: nothing
        row(540, "5001", at="2024-03-05T12:00:00Z", status="solved"),
    ]
    assert of(rows, "5002") == [
        # created by an agent: the opening comment is the request, not its response
        row(81, "5002", at="2024-03-04T09:10:00Z", opened="2024-03-04T09:10:00Z", status="open",
            severity="urgent", customer="362"),
        row(186, "5002", at="2024-03-04T09:25:00Z", type="responded"),
        row(393, "5002", at="2024-03-04T11:00:00Z", status="solved"),
        row(571, "5002", at="2024-03-08T12:00:00Z", status="closed"),
    ]
    assert of(rows, "5003") == [
        row(274, "5003", at="2024-03-04T11:00:00Z", opened="2024-03-04T11:00:00Z", status="new"),
    ]


def test_servicenow_fixture_rows():
    rows = servicenow(SERVICENOW.read_bytes(), {"customer": "company"})
    assert all(tuple(r) == ROW_KEYS for r in rows)
    assert not problems(rows)
    assert of(rows, INC_A) == [
        row(17, INC_A, at="2024-03-04 09:00:00", opened="2024-03-04 09:00:00", status="New",
            severity="3 - Moderate", customer="5ec84d8dbc74254770f58904dba41ecc"),
        row(13, INC_A, at="2024-03-04 09:30:00", status="In Progress"),
        row(19, INC_A, at="2024-03-04 11:00:00", severity="2 - High"),
        row(10, INC_A, at="2024-03-04 13:00:00", status="On Hold"),
        row(8, INC_A, at="2024-03-04 15:00:00", status="In Progress"),
        row(23, INC_A, at="2024-03-05 10:00:00", status="Resolved"),
        row(7, INC_A, at="2024-03-08 10:00:00", status="Closed"),
    ]
    # state and incident_state both audited: read once
    assert [(r["at"], r["status"]) for r in of(rows, INC_B)] == [
        ("2024-03-04 10:15:00", "New"), ("2024-03-04 10:20:00", "In Progress"),
        ("2024-03-04 12:00:00", "Resolved"), ("2024-03-04 16:00:00", "In Progress"),
        ("2024-03-05 09:00:00", "Resolved"),
    ]
    # no insert rows: opened at the first audit row (any fieldname), initial values from oldvalue
    assert of(rows, INC_C) == [
        row(18, INC_C, at="2024-03-04 11:30:00", opened="2024-03-04 11:30:00", status="In Progress",
            severity="4 - Low"),
        row(12, INC_C, at="2024-03-04 12:00:00", status="On Hold"),
        row(14, INC_C, at="2024-03-04 13:00:00", severity="3 - Moderate"),
        row(21, INC_C, at="2024-03-04 14:00:00", status="Canceled"),
    ]


def test_servicenow_reads_csv_through_read_records_too():
    with SERVICENOW.open(newline="") as fh:
        via_records = list(servicenow_rows(read_records(fh, format="csv"), {}))
    assert via_records == servicenow(SERVICENOW.read_bytes())


# ------------------------------------------------------------------ shapes give the same rows

def test_jira_json_lines_and_whole_file_give_the_same_rows():
    whole = json.loads(JIRA.read_text())
    expected = [dict(r, line=None) for r in jira(JIRA.read_bytes(), JIRA_COLUMNS)]
    as_lines = jira(jsonl(*whole["issues"]), JIRA_COLUMNS)
    assert [dict(r, line=None) for r in as_lines] == expected
    assert {r["ticket"]: r["line"] for r in as_lines} == {"SUP-101": 1, "SUP-102": 2, "SUP-103": 3, "SUP-104": 4}
    compact = jira(json.dumps(whole), JIRA_COLUMNS)                      # whole file on one line
    assert [dict(r, line=None) for r in compact] == expected
    listed = jira(json.dumps(whole["issues"], indent=1), JIRA_COLUMNS)   # a JSON list of issues
    assert [dict(r, line=None) for r in listed] == expected
    single = jira(json.dumps(whole["issues"][1], indent=2), JIRA_COLUMNS)  # one issue alone
    assert [dict(r, line=None) for r in single] == [r for r in expected if r["ticket"] == "SUP-102"]
    assert {r["line"] for r in single} == {1}


def test_zendesk_json_lines_and_whole_file_give_the_same_rows():
    whole = json.loads(ZENDESK.read_text())
    expected = [dict(r, line=None) for r in zendesk(ZENDESK.read_bytes())]
    as_lines = zendesk(jsonl(*whole["audits"]))
    assert [dict(r, line=None) for r in as_lines] == expected
    assert as_lines[0]["line"] == 1 and of(as_lines, "5003")[0]["line"] == 6
    # JSON Lines of saved response pages: each line's "audits" list
    pages = zendesk(jsonl({"audits": whole["audits"][:5], "next_page": "x"}, {"audits": whole["audits"][5:]}))
    assert [dict(r, line=None) for r in pages] == expected


def test_servicenow_json_shapes_give_the_same_rows_as_csv():
    with SERVICENOW.open(newline="") as fh:
        records = list(csv_rows(fh))
    expected = [dict(r, line=None) for r in servicenow(SERVICENOW.read_bytes())]
    for text in (jsonl(*records), json.dumps({"result": records}, indent=2),
                 json.dumps({"records": records}), json.dumps(records, indent=1)):
        assert [dict(r, line=None) for r in servicenow(text)] == expected


def csv_rows(fh):
    import csv
    return csv.DictReader(fh)


def test_json_documents_lines_of_whole_file_elements():
    text = '{\n  "total": 2,\n  "issues": [\n    {"key": "A-1"},\n\n    {\n      "key": "A-2"\n    }\n  ]\n}\n'
    assert docs(text, "issues") == [(4, {"key": "A-1"}, None), (6, {"key": "A-2"}, None)]
    assert docs("", "issues") == [] and docs("  \n\n", "issues") == []
    assert docs("\ufeff" + jsonl({"key": "A-1"}), "issues") == [(1, {"key": "A-1"}, None)]  # a BOM


# ------------------------------------------------------------------ bad input: a problem row, never lost

def test_json_lines_bad_lines_are_problems_and_the_rest_is_read():
    data = (jsonl(issue("SUP-1")) + '{"key": "SUP-2", "fields": \n').encode() \
        + b'{"key": "SUP-3 caf\xe9"}\n' + jsonl(issue("SUP-4")).encode()
    got = docs(data, "issues")
    assert [(line, problem is None) for line, _, problem in got] == [(1, True), (2, False), (3, False), (4, True)]
    assert got[1][2].startswith("line is not valid JSON: Expecting value at column")
    assert got[2][2] == "line is not UTF-8 text (byte 0xE9 at character 19)"
    rows = jira(data)
    assert [(r["line"], r["ticket"]) for r in problems(rows)] == [(2, None), (3, None)]
    assert {r["ticket"] for r in rows} == {"SUP-1", "SUP-4", None}


def test_whole_file_syntax_error_keeps_what_came_before_it():
    text = json.dumps({"issues": [issue("SUP-1"), issue("SUP-2"), issue("SUP-3")]}, indent=2)
    cut = text.index('"SUP-3"')
    broken = text[:cut] + "SUP-3" + text[cut + 7:]           # an unquoted value inside the third issue
    got = docs(broken, "issues", name="issues.json")
    assert [d["key"] for _, d, p in got if p is None] == ["SUP-1", "SUP-2"]
    line, document, problem = got[-1]
    assert document is None and line == broken[:cut].count("\n") + 1
    assert problem.startswith(f"not valid JSON at line {line} column ")
    assert problem.endswith("the rest of issues.json from there could not be read")
    truncated = docs(text[: text.index('"SUP-2"')], "issues")  # a download cut short
    assert [p is None for _, _, p in truncated] == [True, False]


def test_whole_file_element_that_is_not_utf8_is_a_problem_of_that_element():
    text = json.dumps({"issues": [issue("SUP-1"), issue("SUP-2", status="Caf\u00e9")]}, indent=2, ensure_ascii=False)
    data = text.encode().replace("Café".encode(), b"Caf\xe9")
    got = docs(data, "issues")
    assert got[0][2] is None and got[0][1]["key"] == "SUP-1"
    assert got[1][1] is None and got[1][2].startswith('element 2 of "issues" is not UTF-8 text (byte 0xE9 at line ')
    assert docs(b'{"key": "SUP-1",\n "x": "\xff"}', "issues")[0][2].startswith("the document is not UTF-8 text")


def test_json_documents_odd_shapes():
    assert docs('{\n "issues": null\n}', "issues") == [(1, None, '"issues" is not a list of documents')]
    assert docs('{"issues": 3}\n', "issues") == [(1, None, '"issues" is not a list of documents')]
    assert docs('\n\n  "just text"\n', "issues") == [(3, None, "the file holds a string, not JSON documents")]
    got = docs('[\n1,\n2\n] trailing', "issues")
    assert got[:2] == [(2, 1, None), (3, 2, None)] and got[2][1] is None
    assert "unexpected text after the JSON document" in got[2][2]


def test_jira_issue_level_problems():
    no_changelog = issue("SUP-2")
    del no_changelog["changelog"]
    truncated = issue("SUP-3", histories=[{"id": "1", "created": "2024-03-04T10:00:00.000+0000",
                                           "items": [item("status", "Open", "Done")]}])
    truncated["changelog"]["total"] = 140
    no_created = issue("SUP-4")
    del no_created["fields"]["created"]
    bad_customer = issue("SUP-5", fields={"created": "2024-03-04T09:00:00.000+0000", "customfield_1": {"value": "x"}})
    rows = jira(jsonl([1, 2], {"fields": {}}, no_changelog, truncated, no_created, bad_customer),
                {"customer": "fields.customfield_1"})
    assert [(r["line"], r["ticket"], r["problem"]) for r in rows] == [
        (1, None, "an issue must be a JSON object, not int"),
        (1, None, "an issue must be a JSON object, not int"),
        (2, None, 'the issue has no ticket key at "key"'),
        (3, "SUP-2", 'the issue has no "changelog.histories": export issues with expand=changelog'),
        (4, "SUP-3", "the changelog is incomplete: it holds 1 histories from 1, of 140 (Jira sends a long "
                     "changelog in pages); put the whole changelog of SUP-3 (GET /rest/api/3/issue/SUP-3/"
                     "changelog) in changelog.histories"),
        (5, "SUP-4", 'the issue has no opened instant at "fields.created"'),
        (6, "SUP-5", 'customer "fields.customfield_1" is an object, not text: name a field inside it '
                     '(for example "fields.customfield_1.name")'),
    ]


def test_jira_history_level_problems_keep_the_good_histories():
    histories = [
        "not a history",
        {"id": "11", "created": "2024-03-04T10:00:00.000+0000"},
        {"id": "12", "created": "2024-03-04T11:00:00.000+0000", "items": [7, item("priority", "Medium", None)]},
        {"id": "13", "items": [item("assignee", None, "x")]},     # no instant, but nothing we read: fine
        {"id": "14", "created": "2024-03-04T12:00:00.000+0000", "items": [item("status", "Open", "Done")]},
    ]
    rows = jira(jsonl(issue(histories=histories)))
    assert [(r["at"], r["status"]) for r in rows if r["problem"] is None] == [
        ("2024-03-04T09:00:00.000+0000", "Open"), ("2024-03-04T12:00:00.000+0000", "Done")]
    assert [r["problem"] for r in problems(rows)] == [
        "changelog history 1 is not a JSON object",
        'changelog history 2 (id 11) has no "items" list',
        "changelog history 3 (id 12): item 1 is not a JSON object",
        'changelog history 3 (id 12) sets the priority to nothing (no "toString")',
    ]
    assert {r["ticket"] for r in rows} == {"SUP-1"}


def test_jira_initial_values():
    histories = [
        {"id": "2", "created": "2024-03-04T12:00:00.000+0000", "items": [item("priority", "High", "Low")]},
        {"id": "1", "created": "2024-03-04T10:00:00.000+0000", "items": [item("priority", None, "High")]},
    ]
    rows = jira(jsonl(issue(priority="Low", histories=histories)))
    # a first priority change from nothing sets the initial priority; it is no change of its own
    assert [(r["at"], r["severity"]) for r in rows] == [
        ("2024-03-04T09:00:00.000+0000", "High"), ("2024-03-04T12:00:00.000+0000", "Low")]


def test_jira_instants_with_different_offsets_are_ordered_in_time():
    histories = [
        {"id": "1", "created": "2024-03-04T09:30:00.000-0100", "items": [item("status", "B", "C")]},  # 10:30Z
        {"id": "2", "created": "2024-03-04T10:00:00.000+0000", "items": [item("status", "A", "B")]},
    ]
    rows = jira(jsonl(issue(histories=histories)))
    assert [r["status"] for r in rows] == ["A", "B", "C"]


def test_zendesk_problems():
    create = {"id": 1, "ticket_id": 7, "created_at": "2024-03-04T09:00:00Z", "author_id": 1,
              "events": [{"type": "Create", "field_name": "status", "value": "new"},
                         {"type": "Create", "field_name": "requester_id", "value": 1}]}
    audits = [
        "text",
        {"id": 2, "created_at": "2024-03-04T09:00:00Z", "events": []},
        {"id": 3, "ticket_id": 7, "events": []},
        {"id": 4, "ticket_id": 7, "created_at": "2024-03-04T09:10:00Z", "events": None},
        create,
        {"id": 5, "ticket_id": 7, "created_at": "2024-03-04T09:20:00Z",
         "events": [5, {"type": "Change", "field_name": "priority", "value": None}]},
        {"id": 6, "ticket_id": 8, "created_at": "2024-03-04T09:30:00Z",
         "events": [{"type": "Change", "field_name": "status", "value": "open"}]},
    ]
    rows = zendesk(jsonl(*audits))
    assert [(r["line"], r["ticket"], r["problem"]) for r in problems(rows)] == [
        (1, None, "an audit must be a JSON object, not str"),
        (2, None, 'audit 2 has no ticket id at "ticket_id"'),
        (6, "7", "audit 5: event 1 is not a JSON object"),
        (6, "7", "audit 5 sets the priority to nothing"),
        (3, "7", 'audit 3 has no "created_at" instant'),
        (4, "7", 'audit 4 has no "events" list'),
        (7, "8", "the ticket has no audit with Create events (its first audit is missing from the export), "
                 "so its opened instant and initial status are unknown"),
    ]
    assert of(rows, "7")[0] == row(5, "7", at="2024-03-04T09:00:00Z", opened="2024-03-04T09:00:00Z", status="new")


def test_zendesk_first_response_follows_the_requester():
    def audit(i, at, author, *events):
        return {"id": i, "ticket_id": 9, "created_at": at, "author_id": author, "events": list(events)}

    def comment(public, author=None):
        event = {"type": "Comment", "public": public, "body": "…"}
        if author is not None:
            event["author_id"] = author
        return event

    audits = [
        audit(4, "2024-03-04T12:00:00Z", 31, comment(True)),                  # author from the audit
        audit(1, "2024-03-04T09:00:00Z", 30, comment(True, 30),
              {"type": "Create", "field_name": "requester_id", "value": "30"},
              {"type": "Create", "field_name": "status", "value": "new"}),
        audit(3, "2024-03-04T11:00:00Z", 31, comment(True, 31),              # the new requester writes
              {"type": "Change", "field_name": "requester_id", "value": "31", "previous_value": "30"}),
        audit(2, "2024-03-04T10:00:00Z", 40, comment(False, 40)),             # private
    ]
    rows = zendesk(jsonl(*audits))
    assert [(r["at"], r["type"]) for r in rows] == [("2024-03-04T09:00:00Z", None)]
    audits.append(audit(5, "2024-03-04T13:00:00Z", 40, comment(True, 40), comment(True, 41)))
    rows = zendesk(jsonl(*audits))
    assert [(r["line"], r["at"], r["type"]) for r in rows] == [(2, "2024-03-04T09:00:00Z", None),
                                                               (5, "2024-03-04T13:00:00Z", "responded")]


def test_servicenow_problems():
    header = "documentkey,fieldname,oldvalue,newvalue,sys_created_on\n"
    body = ("k1,number,,INC1,2024-03-04 09:00:00\n"
            ",state,,New,2024-03-04 09:00:00\n"                 # relevant, no documentkey
            "k1,state,New,,2024-03-04 10:00:00\n"               # sets state to nothing
            "k1,priority,,2,\n"                                 # no instant
            "k1,,,x,2024-03-04 11:00:00\n"                      # no fieldname
            "k1,state,New,Active,2024-03-04 11:00:00,extra\n"   # one cell too many
            "k1,state,New\n"                                    # cells missing
            ",work_notes,,hello,\n")                            # irrelevant: ignored, no problem
    data = (header + body).encode() + b"k1,state,New,Activ\xe9,2024-03-04 12:00:00\n"
    rows = servicenow(data)
    assert [(r["line"], r["ticket"], r["problem"]) for r in problems(rows)] == [
        (3, None, 'the state audit row has no "documentkey"'),
        (6, "k1", 'the row has no "fieldname": is this a sys_audit export?'),
        (7, None, "the row has 6 cells, the header 5"),
        (8, None, "the row has 3 cells, the header 5"),
        (10, None, "the row is not UTF-8 text (byte 0xE9)"),
        (4, "k1", "the state audit row at 2024-03-04 10:00:00 sets state to nothing"),
        (5, "k1", 'the priority audit row has no "sys_created_on" instant'),
    ]
    assert [r for r in rows if r["problem"] is None] == [
        row(2, "k1", at="2024-03-04 09:00:00", opened="2024-03-04 09:00:00", status="New")]
    assert servicenow(b"") == []
    assert problems(servicenow(header + '"k1,state\n'))  # an unterminated quote: csv problem or short row


def test_upstream_problems_become_rows():
    with io.StringIO('{"bad json\n{"documentkey": "k1", "fieldname": "number", "sys_created_on": "t"}\n') as fh:
        triples = list(read_records(fh))          # read_records gives Problem objects, not text
    rows = list(servicenow_rows(triples, {}))
    assert rows[0] == row(1, None, problem=triples[0][2].message) and rows[0]["problem"].startswith("not valid JSON")
    assert rows[1]["ticket"] == "k1"
    assert list(jira_rows([(5, None, None)], {})) == [row(5, None, problem="empty document")]
    assert list(zendesk_rows([(5, {"ticket_id": 3}, "cut short")], {})) == [row(5, "3", problem="cut short")]


def test_garbage_never_raises_and_every_document_gives_a_row():
    garbage = [None, 0, 1.5, True, "x", [], [1], {}, {"key": None}, {"key": ["a"]}, {"key": "K", "fields": []},
               {"key": "K", "fields": {"created": {}}}, {"key": "K", "fields": {"created": "t"}, "changelog": []},
               {"key": "K", "fields": {"created": "t"}, "changelog": {"histories": [{"items": {}}]}},
               {"ticket_id": {}, "events": []}, {"ticket_id": 1, "created_at": [], "events": [{}]},
               {"ticket_id": 1, "created_at": "t", "events": [{"type": "Create", "field_name": "status", "value": {}}]},
               {"documentkey": [], "fieldname": "state"}, {"fieldname": 3, "documentkey": 4, "sys_created_on": 5}]
    triples = [(i, g, None) for i, g in enumerate(garbage, start=1)]
    for reader in (jira_rows, zendesk_rows, servicenow_rows):
        rows = list(reader(triples, {"customer": "fields.x"}))
        assert all(tuple(r) == ROW_KEYS for r in rows)
        assert isinstance(rows, list)
    jira_lines = {r["line"] for r in jira_rows(triples, {})}
    assert jira_lines == set(range(1, len(garbage) + 1))     # every issue document answered


# ------------------------------------------------------------------ columns

def test_dotted_column_paths():
    doc = issue("SUP-9", fields={"created": "2024-03-04T09:00:00.000+0000", "status": {"name": "Open"},
                                 "priority": {"name": "P2"}, "customfield_10002": [{"name": "Acme"}],
                                 "customfield_10050": {"value": "Payments"},
                                 "customfield_10060": {"child": {"value": "gold"}}},
                ref={"id": "X-9"})
    assert [r["ticket"] for r in jira(jsonl(doc), {"id": "ref.id"})] == ["X-9"]    # `column id` names it too
    rows = jira(jsonl(doc), {"ticket": "ref.id", "customer": "fields.customfield_10002.0.name",
                             "service": "fields.customfield_10050.value",
                             "tier": "fields.customfield_10060.child.value"})
    assert rows == [row(1, "X-9", at="2024-03-04T09:00:00.000+0000", opened="2024-03-04T09:00:00.000+0000",
                        status="Open", severity="P2", customer="Acme", service="Payments", tier="gold")]
    missing = jira(jsonl(doc), {"customer": "fields.nothing.here", "service": "fields.customfield_10002.5.name"})
    assert (missing[0]["customer"], missing[0]["service"], missing[0]["problem"]) == (None, None, None)
    listed = jira(jsonl(doc), {"customer": "fields.customfield_10002"})
    assert listed[0]["problem"].startswith('customer "fields.customfield_10002" is a list, not text')


def test_jira_status_column_follows_that_fields_changes():
    doc = issue(fields={"created": "2024-03-04T09:00:00.000+0000", "customfield_10010": {"value": "Triage"},
                        "priority": {"name": "P3"}},
                histories=[{"id": "1", "created": "2024-03-04T10:00:00.000+0000",
                            "items": [{"field": "Request status", "fieldId": "customfield_10010",
                                       "fromString": "New", "toString": "Triage"},
                                      item("status", "Open", "Done")]}])
    rows = jira(jsonl(doc), {"status": "fields.customfield_10010.value"})
    assert [(r["at"], r["status"]) for r in rows] == [("2024-03-04T09:00:00.000+0000", "New"),
                                                      ("2024-03-04T10:00:00.000+0000", "Triage")]


def test_zendesk_columns_name_event_fields():
    audit = {"id": 1, "ticket_id": 5, "created_at": "2024-03-04T09:00:00Z", "meta": {"t": "T-5"},
             "events": [{"type": "Create", "field_name": "360001", "value": "gold"},
                        {"type": "Create", "field_name": "custom_status_id", "value": 123},
                        {"type": "Create", "field_name": "priority", "value": "high"}]}
    rows = zendesk(jsonl(audit), {"ticket": "meta.t", "tier": "360001", "status": "custom_status_id"})
    assert rows == [row(1, "T-5", at="2024-03-04T09:00:00Z", opened="2024-03-04T09:00:00Z",
                        status="123", severity="high", tier="gold")]


def test_servicenow_columns():
    text = ("documentkey,fieldname,oldvalue,newvalue,sys_created_on\n"
            "k1,number,,INC1,2024-03-04 09:00:05\n"
            "k1,opened_at,,2024-03-04 08:59:00,2024-03-04 09:00:05\n"
            "k1,state,,1,2024-03-04 09:00:05\n"
            "k1,incident_state,,1,2024-03-04 09:00:05\n"
            "k1,state,1,2,2024-03-04 09:30:00\n"
            "k1,incident_state,1,6,2024-03-04 10:00:00\n"
            "k1,u_service,,payments,2024-03-04 09:00:05\n")
    rows = servicenow(text, {"status": "incident_state", "opened": "opened_at", "service": "u_service"})
    assert rows == [row(3, "k1", at="2024-03-04 08:59:00", opened="2024-03-04 08:59:00", status="1",
                        service="payments"),
                    row(7, "k1", at="2024-03-04 10:00:00", status="6")]
    default = servicenow(text)          # both audited: `state` only
    assert [(r["at"], r["status"]) for r in default] == [("2024-03-04 09:00:05", "1"), ("2024-03-04 09:30:00", "2")]
    only_incident_state = servicenow(text.replace("k1,state,", "k1,other,"))
    assert [r["status"] for r in only_incident_state] == ["1", "6"]


def test_instant_key_orders_instants_the_source_spells_its_own_way():
    text = ("documentkey,fieldname,oldvalue,newvalue,sys_created_on\n"
            "k1,state,2,3,05/03/2024 09:00\n"
            "k1,state,1,2,28/02/2024 09:00\n")
    by_text = servicenow(text)                          # not ISO: text order, which is wrong here
    assert [(r["at"], r["status"]) for r in by_text] == [
        ("05/03/2024 09:00", "2"), ("05/03/2024 09:00", "3"), ("28/02/2024 09:00", "2")]
    parse = lambda s: datetime.strptime(s, "%d/%m/%Y %H:%M")  # noqa: E731
    by_time = servicenow(text, instant_key=parse)
    assert [(r["at"], r["status"]) for r in by_time] == [
        ("28/02/2024 09:00", "1"), ("28/02/2024 09:00", "2"), ("05/03/2024 09:00", "3")]
