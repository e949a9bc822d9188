# UI strings for the site chrome, English (the fallback for every other locale).
# Every message id here must exist in every other .ftl file (a test checks).

latest-news = Latest news
most-read = Most read
sections = Sections
home = Home
search = Search
video = Video
views = views
views-count = { $n ->
    [one] { $n } view
   *[other] { $n } views
}
source = Source
read-original = Read the original at { $source }
page = Page { $n }
next-page = Next page
previous-page = Previous page
not-found = Not found
not-found-text = The page you asked for does not exist.
back-home = Back to the home page
skip-to-content = Skip to content
published = Published
updated = Updated
sources-count = { $n ->
    [one] { $n } source
   *[other] { $n } sources
}
more-sources = { $n ->
    [one] +{ $n } source
   *[other] +{ $n } sources
}
all-coverage = All coverage
error = Error
error-text = Something went wrong.
search-placeholder = Search the news
search-prompt = Type a word or a phrase. Put a phrase in "quotes" to keep its words together, and end a word with * to find words that begin with it.
search-no-results = Nothing found for “{ $query }”.
search-results = { $n ->
    [one] { $n } result for “{ $query }”
   *[other] { $n } results for “{ $query }”
}
# Story pages and threads
developing = developing
story-why = Why these are together
story-shared-names = Names they share
story-shared-words = Words they share
story-shared-count = in { $n } of { $total } articles
story-outlets = Who reported, and when
story-timeline = Timeline
story-first-report = first
offset-minutes = +{ $n } min
offset-hours = +{ $n } h
offset-days = +{ $n } d
thread-earlier = Earlier in this story
thread-later = Later in this story
