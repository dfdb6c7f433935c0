"""Word lists for telling prose from page furniture, in the languages a web crawl is mostly made of.

* ``FUNCTION_WORDS``: the commonest closed-class words (articles, pronouns, prepositions,
  conjunctions, auxiliaries) of 20 languages. Prose is dense in them and menus, tag clouds,
  bylines and link lists are not: the "stop-word density" feature of Pomikálek's jusText
  (PhD thesis, Masaryk University, 2011, chapter 4) and of Kohlschütter et al. (WSDM 2010).
  jusText uses the full Wikipedia frequency lists; these short lists (the ~40 most frequent words
  per language, written for this project) give lower densities, so the thresholds in
  :mod:`mmcorpus.extract.main_content` are set for them. Words shared by two languages ("die", "a", "in")
  only need to appear once.
* ``SECTION_HEADINGS``: headings that open a block of page furniture (related articles,
  comments, share prompts, author boxes, newsletter boxes, feedback boxes, tags). A heading
  matching one, and the section it opens, are not main content. ``TOPIC_HEADINGS``: those among
  them that name a further topic ("More about ...", "Related ..."), whose section is the page's own
  where it holds prose. ``REFERENCE_HEADINGS``: headings of a page's own cross-references ("See
  also", "References"), whose links are content however link dense.
* ``BOILERPLATE_LINES``: whole short blocks that are page furniture on their own ("Share",
  "Read more", "Advertisement", "Comments (3)").
* ``CREDIT_LINE``: photo credits and bylines kept out of the text ("Foto: dpa", "Image: Getty").
"""

from __future__ import annotations

import re

_FUNCTION_WORDS_BY_LANGUAGE = {
    "en": "the of and to a in is it that for was on are as with be by at this have from or an "
          "but not were which you they he she we his her their its has had been would will can "
          "there what all so if about into more also who than when",
    "de": "der die das und in zu den von mit ist im nicht sich auf des ein eine dem für es auch "
          "als an er sie wie bei aus nach wird sind noch werden einer oder hat zum zur wir ich "
          "aber um über so vor dass durch kann nur",
    "fr": "le la les de des du et un une en est que qui dans pour pas par sur au aux ce il elle "
          "se sont ne plus avec ou son sa ses mais comme on nous vous été être leur cette",
    "es": "el la los las de del y en que un una por con no es se para al lo como más su sus pero "
          "le ha sobre este esta o entre cuando muy sin también fue han ser son",
    "it": "il lo la i gli le di del della dei e un una in che non per con su è sono da al alla "
          "si come più ma anche questo questa ha tra nel nella",
    "pt": "o a os as de do da dos das e um uma em no na que não por para com se é ao mais mas "
          "como foi são ou seu sua também pelo pela",
    "nl": "de het een en van in is dat op te zijn met voor niet aan er die als ook maar om bij "
          "door naar wordt was nog heeft deze dit",
    "pl": "i w z na do nie się to że jest o jak po co ale od za przez są tak jego jej oraz czy "
          "już tylko być może dla który która które",
    "cs": "a v se na je že to s z do o jako ale by i k pro po jsou byl tak jeho které který která",
    "sv": "och i att det som en på är av för med till den har inte om ett de var jag men från",
    "da": "og i at det som en på er af for med til den har ikke om et de var jeg men fra",
    "no": "og i at det som en på er av for med til den har ikke om et de var jeg men fra",
    "tr": "ve bir bu da de için ile olarak daha çok en gibi olan ne ama kadar sonra",
    "ro": "și în de la cu o un a pe care să din mai este nu se ca ce au",
    "hu": "a az és hogy nem is egy meg de van volt csak már még mint",
    "fi": "ja on ei se että oli hän mutta kun tai ovat myös joka kuin",
    "id": "yang dan di ini itu dengan untuk dari dalam tidak akan pada juga ke ada",
    "ru": "и в не на что с как по это он она они из к у за от о то но для же все так его",
    "uk": "і в не на що з як по це він вона вони із до у за від та але для же",
    "el": "και το η ο να του της σε με που τα την των για από είναι στο στην",
}
FUNCTION_WORDS = frozenset(w for words in _FUNCTION_WORDS_BY_LANGUAGE.values() for w in words.split())

# Sentence-internal punctuation of scripts written without spaces (Chinese, Japanese): stands in
# for function words there, one per "word".
CJK_PUNCTUATION = "，。、；：！？「」『』（）"

SECTION_HEADINGS = re.compile(
    r"^(?:"
    # related / recommended
    r"related(?: articles| posts| stories| content| news| topics| links)?|you (?:may|might) also like|"
    r"recommended(?: for you| articles| stories)?|more (?:from|on|about|stories|articles|news|to read)\b.*|"
    # not "see also": on documentation and wiki pages it heads the page's own cross-references,
    # which WCXB's documentation ground truth keeps (0.925 -> 0.926, no type worse)
    r"read (?:more|next|also)|further reading|popular(?: posts| articles| stories)?|"
    r"most (?:read|popular|viewed)|trending(?: now)?|latest (?:news|posts|articles)|recent posts|"
    r"mehr zum thema.*|mehr (?:aus|zu|von|dazu|artikel|news|nachrichten)\b.*|lesen sie auch\b.*|lesen sie mehr|"
    r"meistgelesen(?:e|en)?(?: artikel| beiträge| news)?|aktuelle meldungen.*|temas relacionados|"
    r"contexto de la noticia|"
    r"das könnte (?:sie|dich) (?:auch )?interessieren|(?:sie|du) könnten? (?:auch )?interessieren|"
    r"auch interessant|ebenfalls interessant|interessant für (?:sie|dich)|"
    r"weitere (?:artikel|beiträge|themen|nachrichten|meldungen|informationen|links|news)|"
    r"weiterführende (?:links|informationen|artikel)|verwandte (?:artikel|beiträge|themen)|"
    r"ähnliche (?:artikel|beiträge)|empfohlene artikel|beliebte (?:artikel|beiträge)|"
    r"zum weiterlesen|top[- ]?themen|neueste (?:artikel|beiträge)|aktuelle (?:artikel|beiträge)|"
    r"articles? (?:similaires|liés|connexes)|à lire aussi|lire aussi|sur le même sujet|"
    r"dans la même rubrique|noticias relacionadas|artículos relacionados|te puede interesar|"
    r"también te puede interesar|leer más|articoli correlati|potrebbe interessarti|leggi anche|"
    r"artigos relacionados|leia também|zobacz też|czytaj też|przeczytaj też|"
    # shop furniture: other products, and customer reviews (product pages' ground truth leaves them out)
    r"related (?:products|items)|similar (?:products|items)|frequently bought together|"
    r"recently viewed(?: items| products)?|"
    r"customers (?:who (?:bought|viewed)|also (?:bought|viewed|liked))\b.*|people who (?:bought|viewed)\b.*|"
    r"(?:customer |product )?reviews(?: \(\d+\))?|ratings? (?:&|and) reviews|"
    r"kundenbewertungen|bewertungen(?: \(\d+\))?|avis clients|opiniones de clientes|"
    # comments
    r"comments?(?: \(\d+\))?|\d+ comments?|leave a (?:comment|reply)|post a comment|"
    r"add (?:a )?comment|join the discussion|reader comments|"
    r"kommentare?(?: \(\d+\))?|\d+ kommentare?|kommentar (?:schreiben|verfassen|hinterlassen)|"
    r"kommentieren|leserkommentare|schreibe(?:n sie)? einen kommentar|"
    r"commentaires?|laisser un commentaire|comentarios?|deja un comentario|commenti|"
    r"lascia un commento|komentarze?|"
    # share / follow / newsletter
    r"share(?: this)?(?: (?:article|post|story|page))?|share on|spread the word|follow us|"
    r"teilen|artikel teilen|diesen artikel teilen|beitrag teilen|folgen sie uns|"
    r"partager|partager cet article|compartir|condividi|"
    r"newsletter|subscribe(?: to our newsletter)?|sign up for our newsletter|newsletter abonnieren|"
    # a documentation page's feedback box (PostgreSQL's "Submit correction", "Was this page helpful?")
    r"feedback|send (?:us )?feedback|submit (?:a )?correction|was this (?:page|article) helpful|"
    # author / tags / navigation
    r"about the author|über den autor|über die autorin|zur person|à propos de l'auteur|"
    r"sobre el autor|tags?|schlagw(?:orte|örter)|stichw(?:orte|örter)|kategorien?|"
    r"categories|filed under|étiquettes|etiquetas"
    r")[\s:.!?…]*$",
    re.IGNORECASE,
)
# Furniture headings that name a further topic: a list of links to other pages under them is
# furniture, prose under them is the page's own section (main_content.furniture_sections; group 1:
# "More about/on", whose section may hold links; "Related" must hold none).
TOPIC_HEADINGS = re.compile(r"(more (?:about|on)\b)|related\b", re.IGNORECASE)
# Headings in this set open a section that always ends the article (comments, related lists).
END_HEADINGS = re.compile(
    r"^(?:related|you (?:may|might) also like|recommended|more (?:from|stories)|read next|"
    r"mehr zum thema|das könnte|weitere (?:artikel|beiträge)|verwandte|ähnliche|zum weiterlesen|"
    r"comments?\b|\d+ comments?|leave a|kommentare?\b|\d+ kommentare?|schreibe|commentaires?|"
    r"comentarios?|commenti|komentarze?)",
    re.IGNORECASE,
)

# Headings of a page's own cross-references: the links under them are its content, however link
# dense (Wikipedia's, MediaWiki's and MDN's "See also" and "External links", a manual's "References"
# and "Next steps"; main_content.keep_reference_sections).
REFERENCE_HEADINGS = re.compile(
    r"^(?:see also|external links|further reading|references|next steps|additional resources|"
    r"more resources|learn more|siehe auch|weblinks|einzelnachweise|literatur|voir aussi|"
    r"liens externes|références|véase también|enlaces externos|referencias|vedi anche|"
    r"collegamenti esterni|zie ook|externe links|veja também|ligações externas|"
    r"zobacz też|linki zewnętrzne|przypisy)[\s:.!?¶#§]*$",
    re.IGNORECASE,
)
BOILERPLATE_LINES = re.compile(
    r"^(?:share|share this|share on \w+|tweet|pin it|print|print this|email|e-mail|advertisement|"
    r"advertising|sponsored|anzeige|werbung|read more|continue reading|weiterlesen|mehr lesen|"
    r"mehr erfahren|zum artikel|teilen|drucken|like|follow us|follow|subscribe|loading\.*|"
    r"skip to (?:main )?content|back to top|nach oben|zurück|to top|top|more|mehr|lire la suite|"
    r"leer más|leggi tutto|close|schließen|fermer|cerrar|menu|menü|search|suche|home|startseite|"
    r"accept|akzeptieren|ok|zum inhalt springen|previous|next|vorheriger artikel|nächster artikel|"
    r"vorheriger|nächster|(?:\d+ )?comments?(?: \(\d+\))?|(?:\d+ )?kommentare?(?: \(\d+\))?|"
    r"bild(?:er)? anzeigen|alle bilder|zur galerie|galerie|bildergalerie|video abspielen|"
    r"play video|watch video|listen|anhören|vorlesen|artikel vorlesen|jetzt lesen|"
    r"(?:\d+ )?min(?:ute)?s? read|lesezeit:? \d+ min(?:uten)?\.?|reading time:? \d+ min(?:utes)?\.?|"
    r"(?:bisher |noch )?keine kommentare(?: vorhanden)?|no comments(?: yet)?|be the first to comment|"
    r"(?:möchten sie |willst du )?(?:den|diesen|die) (?:artikel|beitrag|seite) teilen|"
    r"(?:seite|artikel|beitrag|page|post|article|story) (?:teilen|drucken|empfehlen|share|print|e-?mail)|"
    r"share (?:this|the) (?:article|post|story|page)|"
    r"war (?:der|dieser) (?:artikel|beitrag) (?:hilfreich|nützlich)|was this (?:article|page|post) helpful|"
    r"wie (?:bewerten|gefällt) (?:sie|ihnen|dir) (?:diesen|der|dieser) (?:artikel|beitrag)|"
    r"rate this (?:article|post)|inhaltsverzeichnis|table of contents|contents|inhalt|sommaire|índice|"
    r"tagged|tags|schlagwörter|schlagworte|stichwörter|kategorie|kategorien|categories|category|"
    r"filed under|abgelegt unter"
    r")[\s:.!?…»›>|\-–—()\d*]*$",
    re.IGNORECASE,
)

CREDIT_LINE = re.compile(
    r"^[(\[]?\s*(?:foto|fotos|bild|bilder|photo|photos|image|images|picture|credit|credits|"
    r"quelle|source|grafik|illustration|video|titelbild|symbolbild|copyright|©|\(c\))"
    r"\s*(?:[:©]|by\b|via\b)[^\n]{0,80}$",
    re.IGNORECASE,
)

_MONTHS = (
    r"jan(?:uary|uar|vier|eiro)?|feb(?:ruary|ruar|rero)?|f[ée]vrier|fevereiro|febbraio|mar(?:ch|s|zo|ço)?|"
    r"m[äa]rz|apr(?:il|ile|il)?|avril|abril|may|mai|mayo|maggio|maio|jun(?:e|i|io|ho)?|juin|giugno|"
    r"jul(?:y|i|io|ho)?|juillet|luglio|aug(?:ust)?|ao[uû]t|agosto|sep(?:t|tember|tembre|tiembre)?|"
    r"settembre|setembro|oct(?:ober|obre|ubre)?|okt(?:ober)?|ottobre|outubro|nov(?:ember|embre|iembre)?|"
    r"dec(?:ember)?|d[ée]cembre|dez(?:ember|embro)?|dic(?:iembre|embre)?|stycz\w*|lut\w*|mar\w*|kwie\w*|"
    r"maj\w*|czerw\w*|lip\w*|sierp\w*|wrze\w*|pa[źz]dz\w*|listopad\w*|grud\w*"
)
# Weekday names (English stems, which the pattern below extends; then other languages' names).
_WEEKDAY_STEMS = "mon|tue|wed|thu|fri|sat|sun"
_WEEKDAYS = (
    "montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|"
    "vendredi|samedi|dimanche|lunes|martes|miércoles|jueves|viernes|sábado|domingo"
)
# Dates and times as they appear in bylines and post metadata, in the languages above. Written
# in lower case and matched against lower-cased text (no IGNORECASE: it folds every character).
DATE_OR_TIME = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}(?:[t ]\d{1,2}:\d{2}(?::\d{2})?)?\b|"
    r"\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|"
    rf"\b\d{{1,2}}\.?\s*(?:de\s+)?(?:{_MONTHS})\.?,?\s*(?:de\s+)?\d{{4}}\b|"
    rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b|"
    rf"\b(?:{_MONTHS})\s+\d{{4}}\b|"
    r"\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?|uhr|h)?\b|"
    rf"\b(?:{_WEEKDAY_STEMS})(?:day|sday|nesday|rsday|urday)?\b|"
    rf"\b(?:{_WEEKDAYS})\b"
)
# What every match of DATE_OR_TIME holds: four digits in a row (an ISO date, or a year after a
# month) or a digit, "." "/" or ":" and a digit (a numeric date, a time) -- DATE_DIGITS -- or a
# weekday's name (WEEKDAY_NAME). Searched alone they cost ~5x less than DATE_OR_TIME, whose month
# names are tried at every word start, and rule out most lines that merely hold a number
# ("3 comments", "Page 2 of 10"). Two patterns, not one: each opens with a set of characters
# (digits; weekday initials), which lets the regex engine skip every other position.
DATE_DIGITS = re.compile(r"\d(?:\d{3}|[./:]\d)")
WEEKDAY_NAME = re.compile(f"{_WEEKDAY_STEMS}|{_WEEKDAYS}")
# Words that open a post-metadata line ("Posted on 3 May 2019 by ...").
METADATA_PREFIX = re.compile(
    r"^(?:posted|published|updated|last (?:updated|modified)|written|filed|created|"
    r"veröffentlicht|aktualisiert|erstellt|verfasst|geschrieben|stand|zuletzt|"
    r"publié|mis à jour|publicado|actualizado|pubblicato|aggiornato|opublikowano)\b",
    re.IGNORECASE,
)
METADATA_FIRST_WORDS = frozenset([  # the first words of METADATA_PREFIX: a cheap gate before it
    "posted", "published", "updated", "last", "written", "filed", "created", "veröffentlicht",
    "aktualisiert", "erstellt", "verfasst", "geschrieben", "stand", "zuletzt", "publié", "mis",
    "publicado", "actualizado", "pubblicato", "aggiornato", "opublikowano",
])
# Credit lines open with one of these (lower-cased).
CREDIT_PREFIXES = (
    "foto", "bild", "photo", "image", "picture", "credit", "quelle", "source", "grafik",
    "illustration", "video", "titelbild", "symbolbild", "copyright", "©", "(", "[",
)
BOILERPLATE_MAX_CHARS = 60  # the longest boilerplate line with its trailing punctuation
