-- Who changed what, and when (issue 15): every admin and CLI action that
-- changes something appends a row, with the object as it was before and as
-- it is after, as JSON text (NULL where there was nothing: an add has no
-- before, a removal no after). Rows are kept until an operator prunes them.
CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    at          BIGINT  NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    object_kind TEXT    NOT NULL,
    object_id   BIGINT  NOT NULL,
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX audit_log_actor ON audit_log(actor, id);
CREATE INDEX audit_log_object ON audit_log(object_kind, object_id, id);
