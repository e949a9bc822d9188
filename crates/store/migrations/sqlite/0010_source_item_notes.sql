-- What the last poll that read a source's feed found wrong with single items (no link, a
-- GUID shared by two items or changed, a much shorter text refused...), one note a line;
-- NULL when there was nothing to say. Shown by `newsroom source list`.
ALTER TABLE sources ADD COLUMN item_notes TEXT;
