# UI strings for the site chrome, German.

latest-news = Neueste Nachrichten
most-read = Meistgelesen
sections = Rubriken
home = Startseite
search = Suche
video = Video
views = Aufrufe
views-count = { $n ->
    [one] { $n } Aufruf
   *[other] { $n } Aufrufe
}
source = Quelle
read-original = Original bei { $source } lesen
page = Seite { $n }
next-page = Nächste Seite
previous-page = Vorherige Seite
not-found = Nicht gefunden
not-found-text = Die angeforderte Seite existiert nicht.
back-home = Zurück zur Startseite
skip-to-content = Zum Inhalt springen
published = Veröffentlicht
updated = Aktualisiert
sources-count = { $n ->
    [one] { $n } Quelle
   *[other] { $n } Quellen
}
more-sources = { $n ->
    [one] +{ $n } Quelle
   *[other] +{ $n } Quellen
}
all-coverage = Alle Berichte
error = Fehler
error-text = Etwas ist schiefgelaufen.
search-placeholder = Nachrichten durchsuchen
search-prompt = Geben Sie ein Wort oder eine Wortgruppe ein. Setzen Sie eine Wortgruppe in "Anführungszeichen", damit ihre Wörter zusammenbleiben, und beenden Sie ein Wort mit *, um Wörter zu finden, die so beginnen.
search-no-results = Keine Treffer für „{ $query }“.
search-results = { $n ->
    [one] { $n } Treffer für „{ $query }“
   *[other] { $n } Treffer für „{ $query }“
}
# Story pages and threads
developing = in Entwicklung
story-why = Warum diese Artikel zusammengehören
story-shared-names = Gemeinsame Namen
story-shared-words = Gemeinsame Wörter
story-shared-count = in { $n } von { $total } Artikeln
story-outlets = Wer wann berichtete
story-timeline = Zeitleiste
story-first-report = zuerst
offset-minutes = +{ $n } Min.
offset-hours = +{ $n } Std.
offset-days = +{ $n } Tg.
thread-earlier = Zuvor in dieser Geschichte
thread-later = Später in dieser Geschichte
