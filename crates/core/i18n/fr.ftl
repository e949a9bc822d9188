# UI strings for the site chrome, French.
# French "one" covers 0 and 1 ("0 source", "1 source").

latest-news = Dernières nouvelles
most-read = Les plus lus
sections = Rubriques
home = Accueil
search = Rechercher
video = Vidéo
views = vues
views-count = { $n ->
    [one] { $n } vue
   *[other] { $n } vues
}
source = Source
read-original = Lire l’original sur { $source }
page = Page { $n }
next-page = Page suivante
previous-page = Page précédente
not-found = Page introuvable
not-found-text = La page demandée n’existe pas.
back-home = Retour à l’accueil
skip-to-content = Aller au contenu
published = Publié
updated = Mis à jour
sources-count = { $n ->
    [one] { $n } source
   *[other] { $n } sources
}
more-sources = { $n ->
    [one] +{ $n } source
   *[other] +{ $n } sources
}
all-coverage = Toute la couverture
error = Erreur
error-text = Une erreur s’est produite.
search-placeholder = Rechercher dans l’actualité
search-prompt = Saisissez un mot ou une expression. Mettez une expression entre "guillemets" pour garder ses mots ensemble, et terminez un mot par * pour trouver les mots qui commencent ainsi.
search-no-results = Aucun résultat pour « { $query } ».
search-results = { $n ->
    [one] { $n } résultat pour « { $query } »
   *[other] { $n } résultats pour « { $query } »
}
# Story pages and threads
developing = en cours
story-why = Pourquoi ces articles vont ensemble
story-shared-names = Noms en commun
story-shared-words = Mots en commun
story-shared-count = dans { $n } articles sur { $total }
story-outlets = Qui a publié, et quand
story-timeline = Chronologie
story-first-report = en premier
offset-minutes = +{ $n } min
offset-hours = +{ $n } h
offset-days = +{ $n } j
thread-earlier = Plus tôt sur ce sujet
thread-later = Plus tard sur ce sujet
