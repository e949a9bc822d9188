# UI strings for the site chrome, Ukrainian.
# Whole numbers fall in one (1, 21), few (2–4, 22) or many (5–20, 25);
# "other" is only reached by fractions, which take the genitive singular.

latest-news = Останні новини
most-read = Найпопулярніше
sections = Розділи
home = Головна
search = Пошук
video = Відео
views = перегляди
views-count = { $n ->
    [one] { $n } перегляд
    [few] { $n } перегляди
    [many] { $n } переглядів
   *[other] { $n } перегляду
}
source = Джерело
read-original = Читати оригінал на { $source }
page = Сторінка { $n }
next-page = Наступна сторінка
previous-page = Попередня сторінка
not-found = Сторінку не знайдено
not-found-text = Запитаної сторінки не існує.
back-home = Повернутися на головну
skip-to-content = Перейти до вмісту
published = Опубліковано
updated = Оновлено
sources-count = { $n ->
    [one] { $n } джерело
    [few] { $n } джерела
    [many] { $n } джерел
   *[other] { $n } джерела
}
more-sources = { $n ->
    [one] +{ $n } джерело
    [few] +{ $n } джерела
    [many] +{ $n } джерел
   *[other] +{ $n } джерела
}
all-coverage = Усі матеріали
error = Помилка
error-text = Щось пішло не так.
search-placeholder = Пошук новин
search-prompt = Введіть слово або фразу. Візьміть фразу в "лапки", щоб шукати її слова разом, і поставте * в кінці слова, щоб знайти слова, які з нього починаються.
search-no-results = За запитом «{ $query }» нічого не знайдено.
search-results = { $n ->
    [one] { $n } результат за запитом «{ $query }»
    [few] { $n } результати за запитом «{ $query }»
    [many] { $n } результатів за запитом «{ $query }»
   *[other] { $n } результату за запитом «{ $query }»
}
# Story pages and threads
developing = розвивається
story-why = Чому ці статті разом
story-shared-names = Спільні імена
story-shared-words = Спільні слова
story-shared-count = у { $n } з { $total } статей
story-outlets = Хто і коли повідомив
story-timeline = Хронологія
story-first-report = першим
offset-minutes = +{ $n } хв
offset-hours = +{ $n } год
offset-days = +{ $n } дн.
thread-earlier = Раніше з цієї теми
thread-later = Пізніше з цієї теми
