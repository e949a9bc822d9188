-- Full-text search of articles (Store::search_articles).
--
-- The 'simple' configuration: no stemming and no stop words, because a site
-- carries news in many languages and an English stemmer would mangle the
-- rest. newsroom_search_fold is applied to the indexed text and to every
-- query, so both sides agree:
-- - Latin letters with diacritics become their base letter, as SQLite's
--   unicode61 tokenizer with remove_diacritics 2 does on the other backend
--   (the pairs are every Latin letter whose canonical decomposition is an
--   ASCII letter plus combining marks; combining marks on their own are
--   dropped). Built in, so no extension (unaccent) has to be installed.
-- - Punctuation that PostgreSQL's parser would otherwise glue words into
--   one token with ("covid-19", "news.example.com", "a/b") becomes a space,
--   so those words can be found one by one, as on SQLite.
CREATE FUNCTION newsroom_search_fold(t TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT regexp_replace(
        translate(t,
            'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǦǧǨǩǪǫǬǭǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳḀḁḂḃḄḅḆḇḈḉḊḋḌḍḎḏḐḑḒḓḔḕḖḗḘḙḚḛḜḝḞḟḠḡḢḣḤḥḦḧḨḩḪḫḬḭḮḯḰḱḲḳḴḵḶḷḸḹḺḻḼḽḾḿṀṁṂṃṄṅṆṇṈṉṊṋṌṍṎṏṐṑṒṓṔṕṖṗṘṙṚṛṜṝṞṟṠṡṢṣṤṥṦṧṨṩṪṫṬṭṮṯṰṱṲṳṴṵṶṷṸṹṺṻṼṽṾṿẀẁẂẃẄẅẆẇẈẉẊẋẌẍẎẏẐẑẒẓẔẕẖẗẘẙẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹſẛ-./@+:~&=?%#\<>',
            'AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzOoUuAaIiOoUuUuUuUuUuAaGgKkOoOojGgNnAaAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEeOoOoOoOoYyAaBbBbBbCcDdDdDdDdDdEeEeEeEeEeFfGgHhHhHhHhHhIiIiKkKkKkLlLlLlLlMmMmMmNnNnNnNnOoOoOoOoPpPpRrRrRrRrSsSsSsSsSsTtTtTtTtUuUuUuUuUuVvVvWwWwWwWwWwXxXxYyZzZzZzhtwyAaAaAaAaAaAaAaAaAaAaAaAaEeEeEeEeEeEeEeEeIiIiOoOoOoOoOoOoOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYyss               '),
        '[\u0300-\u036f]+', '', 'g')
$$;

-- Title weighs most (A), then summary (B), then body (C). Adding the column
-- computes it for the rows already there. The body is cut at 100,000
-- characters: a tsvector holds at most 1 MB, and an insert that overflowed
-- it would fail, article and all.
ALTER TABLE articles ADD COLUMN search_vector TSVECTOR GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', newsroom_search_fold(left(title, 2000))), 'A')
    || setweight(to_tsvector('simple', newsroom_search_fold(left(summary, 10000))), 'B')
    || setweight(to_tsvector('simple', newsroom_search_fold(left(body_text, 100000))), 'C')
) STORED;

CREATE INDEX articles_search ON articles USING GIN (search_vector);
