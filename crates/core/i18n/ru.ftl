# UI strings for the site chrome, Russian.
# Whole numbers fall in one (1, 21), few (2–4, 22) or many (5–20, 25);
# "other" is only reached by fractions, which take the genitive singular.

latest-news = Последние новости
most-read = Самое читаемое
sections = Разделы
home = Главная
search = Поиск
video = Видео
views = просмотры
views-count = { $n ->
    [one] { $n } просмотр
    [few] { $n } просмотра
    [many] { $n } просмотров
   *[other] { $n } просмотра
}
source = Источник
read-original = Читать оригинал на { $source }
page = Страница { $n }
next-page = Следующая страница
previous-page = Предыдущая страница
not-found = Страница не найдена
not-found-text = Запрошенная страница не существует.
back-home = Вернуться на главную
skip-to-content = Перейти к содержанию
published = Опубликовано
updated = Обновлено
sources-count = { $n ->
    [one] { $n } источник
    [few] { $n } источника
    [many] { $n } источников
   *[other] { $n } источника
}
more-sources = { $n ->
    [one] +{ $n } источник
    [few] +{ $n } источника
    [many] +{ $n } источников
   *[other] +{ $n } источника
}
all-coverage = Все материалы
error = Ошибка
error-text = Что-то пошло не так.
search-placeholder = Поиск по новостям
search-prompt = Введите слово или фразу. Возьмите фразу в "кавычки", чтобы искать её слова вместе, и поставьте * в конце слова, чтобы найти слова, которые с него начинаются.
search-no-results = По запросу «{ $query }» ничего не найдено.
search-results = { $n ->
    [one] { $n } результат по запросу «{ $query }»
    [few] { $n } результата по запросу «{ $query }»
    [many] { $n } результатов по запросу «{ $query }»
   *[other] { $n } результата по запросу «{ $query }»
}
# Story pages and threads
developing = развивается
story-why = Почему эти статьи вместе
story-shared-names = Общие имена
story-shared-words = Общие слова
story-shared-count = в { $n } из { $total } статей
story-outlets = Кто и когда сообщил
story-timeline = Хронология
story-first-report = первым
offset-minutes = +{ $n } мин
offset-hours = +{ $n } ч
offset-days = +{ $n } дн.
thread-earlier = Ранее по этой теме
thread-later = Позже по этой теме
