"""Every tuned number of reviewbot, in one place. Each says what it changes and where docs/ records how it was
chosen (quality.md for answers, scale.md for speed and memory); each has a test that shows what it changes.

It sits in the index package, the layer ingest, the answering core and the chat adapters all stand on, so
that each reads its numbers here without importing the others. Code reads them as `tuning.NAME` when it runs,
so a test can set one aside."""

# --- Reading and chunking (docs/scale.md "Ingest"; docs/quality.md "Reading") ----------------------------

# Word pieces in a chunk: MiniLM reads 256, and the chunk's context header takes some of them.
MAX_CHUNK_TOKENS = 200
# A PDF page with fewer extracted characters than this, and an image, is a scan: it is read by OCR.
MIN_CHARS_PER_PAGE = 40
# Seconds OCR (Tesseract, through OCRmyPDF) may spend on one page before the file is reported as unread.
OCR_SECONDS_PER_PAGE = 120
# A heading this long (in words) is a statement and may be quoted ('The overall judgement is that ...').
HEADING_SENTENCE_WORDS = 6
# The longest unit an answer quotes whole, in words; a longer sentence is cut at its clause breaks.
MAX_UNIT_WORDS = 70
# An inspection report's judgement table is on its first pages; grades later on are the body's.
JUDGEMENT_PAGES = 3
# Files read ahead of the one being embedded: enough to keep the model fed, few enough to hold in memory.
READ_AHEAD = 3
# Fewer files than this are read in the ingesting process: starting a reader process costs about a second.
READ_IN_WORKER_FROM = 4
# Texts embedded between two looks at the reader (four of the model's batches): the cores change hands often.
EMBED_SLICE = 32
# Texts the model reads at once, longest first: little padding, and small batches waste less of it.
EMBED_BATCH = 8
# The engine ingest embeds with, on a CPU with bfloat16 in hardware (AVX512-BF16, AMX) and on one without
# (AVX2): the fastest measured (docs/scale.md: on the AVX512-BF16 Xeon, chunks/s torch bfloat16 24.9, torch
# float32 39.3, onnx float32 38.4, onnx int8 75.7), int8 only while every eval figure stays within 0.01 of
# torch float32's (docs/quality.md).
INGEST_ENGINE_WITH_BF16 = "onnx-int8"
INGEST_ENGINE_WITHOUT_BF16 = "onnx-int8"

# --- The keyword index (docs/quality.md "Retrieval") --------------------------------------------------

# A chunk whose text recurs in this many documents is a publisher's notice, not a finding.
BOILERPLATE_DOCUMENTS = 3
# How much of a chunk's text (characters, figures kept) tells two chunks' boilerplate apart.
BOILERPLATE_CHARACTERS = 300

# --- Reading the question (docs/quality.md "Abstention", "Person names") -------------------------------

# A question the lexicons read as plain is read as its nearest labelled request (bot/core/examples/requests.tsv)
# when that asks for a briefing or a section, is at least this close in meaning (MiniLM cosine), and this much
# closer than the nearest plain question's example; otherwise only when the passages can't answer it. Chosen
# on the tuning halves (docs/quality.md "Reading the request").
REQUEST_EXAMPLE_SIMILARITY = 0.6
REQUEST_EXAMPLE_MARGIN = 0.08
# A list the lexicons read with no section ('summarise …', 'the main things …') is read as its nearest example's
# from this closeness.
REQUEST_EXAMPLE_FLOOR = 0.45
# How much more the word a who-question turns on counts ('lead' in 'who was the lead inspector').
FOCUS_WEIGHT = 2.0
# A question word in at most this share of passages (or in none) must be in the answer, or the answer must
# mean the question: at national scale 7 passages of 36,781.
RARE_SHARE = 0.0002

# --- Retrieval (docs/quality.md "Retrieval", "Steering") ------------------------------------------------

# Passages each channel hands to the fusion.
CANDIDATES = 60
# Channel weights, scores as a share of each channel's best: BM25 over chunks, BM25 over single sentences,
# a chunk's vector, and its best sentence's vector.
KEYWORD_WEIGHT = 1.0
SENTENCE_WEIGHT = 0.3
DENSE_WEIGHT = 0.1
SENTENCE_DENSE_WEIGHT = 0.3
# Passages whose sentences are read to order them: their best sentence decides their place.
RERANK_DEPTH = 20
# The first passages whose best sentences are embedded again alone when the question is asked, and how many
# sentences of each (about 14 ms each): a pooled sentence vector carries its neighbours' meaning too.
REFINE_DEPTH = 6
REFINED_SENTENCES = 1
# A chunk that recurs across documents (see BOILERPLATE_DOCUMENTS) counts this much.
BOILERPLATE_PENALTY = 0.3
# A chunk of another kind of document than the question names counts this much.
KIND_PENALTY = 0.7
# A chunk of the year the question names counts this much more (a year often names an event, not a report).
YEAR_BOOST = 1.15
# A chunk of the month and year the question names ('the March 2019 inspection'): one report, more surely.
MONTH_BOOST = 1.5
# 'latest', 'most recent': a council's older reports count this much.
OLDER_REPORT_PENALTY = 0.5

# --- Choosing the sentences to quote (docs/quality.md "Answer sentences") -----------------------------

# How much a passage's retrieval score counts beside how well a sentence of it answers.
CHUNK_CREDIT = 0.5
# Credit for the question's words standing together in the sentence as in the question ('lead peer').
PHRASE_CREDIT = 0.3
# How much a sentence's closeness in meaning (MiniLM) counts beside its share of the question's words.
SEMANTIC_WEIGHT = 1.0
# Credit for holding the kind of thing asked for (a number for 'how many', a grade for a judgement).
ANSWER_KIND_CREDIT = 0.3
# A unit shorter than SHORT_UNIT_WORDS says too little to quote alone, unless it is what was asked for.
SHORT_PENALTY = 0.15
SHORT_UNIT_WORDS = 4
# A line of at most this many words, its longer words all capitalised, is a heading and never an answer.
HEADING_MAX_WORDS = 12
# A capitalised pair is a person's name only if its first word is in at most this share of passages (a
# forename: 'Gail' under 0.3%; not 'Local Government' 87%), or at least NAME_MIN_PASSAGES of them.
NAME_WORD_SHARE = 0.005
NAME_MIN_PASSAGES = 20
# A sentence carries the question's central content when it holds this share of its words (by rarity)...
MIN_COVERAGE = 0.4
# ...or means it (cosine of MiniLM vectors)...
MIN_SIMILARITY = 0.6
# ...and holds the question's rare words, unless it holds this share of the question without them.
STRONG_COVERAGE = 0.6
# Whether to answer (bot/core/abstention.py): a logistic model of the evidence, fitted by
# bench/fit_abstention.py on labelled questions (docs/quality.md "Abstention"). Weights, in order, of the best
# candidate's MiniLM similarity, its coverage of the held words, the share of the question's words no passage
# holds, the share of its held words the documents asked about never use, and whether the sentence to be quoted
# carries the question (MIN_COVERAGE, MIN_SIMILARITY, STRONG_COVERAGE, RARE_SHARE).
ANSWER_WEIGHTS = (4.78, 1.00, -1.44, -0.28, 0.91)
ANSWER_BIAS = -3.81
# The same, fitted without the similarity, for an index without sentence vectors to measure it with.
ANSWER_WEIGHTS_WORDS_ONLY = (1.16, -2.13, -0.07, 1.35)
ANSWER_BIAS_WORDS_ONLY = -1.65
# The model's probability of an answer below which the question is refused: the highest that refuses at most 5%
# of the answerable tuning questions that reach the decision (270 of them, 42 unanswerable: 0.25 refuses 4.8%
# and half the unanswerable, 0.3 refuses 8.3%); the catalog's and the figure's checks catch more.
ANSWER_CONFIDENCE = 0.25
# A best sentence that carries too little of the question gives way to the best of this many that holds its
# most telling word, where the documents asked about use that word.
TELLING_CANDIDATES = 12

# --- Extractive answers (docs/quality.md "Answer sentences") --------------------------------------------

# Passages an answer is chosen from, and shown as `retrieved`.
PASSAGES = 8
# Of them, the first passages whose sentences may be quoted.
CHUNKS_READ = 6
# Quotes in one answer.
MAX_QUOTES = 3
# Items quoted after a lead-in such as 'the team identified the following four priorities:'.
MAX_LIST_ITEMS = 6
# A further quote must score this share of the first's.
NEXT_QUOTE_SHARE = 0.8
# A quote asked for to paste is a sentence of at least this many words, where one answers.
QUOTE_MIN_WORDS = 8

# --- Sections and briefings (docs/quality.md "Sections and briefings") ---------------------------------

# A section asked for is looked for in this many of the first documents retrieval ranks...
SECTION_DOCUMENTS = 4
# ...and answered with up to this many of its items.
SECTION_ITEMS = 8
# A briefing quotes this many sentences of a report's summary, and up to this many items of each part.
BRIEFING_SUMMARY_SENTENCES = 2
BRIEFING_ITEMS = 5

# --- Model-written answers (docs/quality.md "LLM answers") --------------------------------------------

# The model reads passages as its token budget allows, counted at about this many word pieces each (at
# least PASSAGES).
TOKENS_PER_PASSAGE = 100
# A sentence is supported by a source that holds at least this share of its words.
SUPPORT_SHARE = 0.5
# Below this share of the model's sentences surviving the checks, the extractive answer is given instead.
MIN_SURVIVING = 0.5
# A quoted span shorter than this (characters) is a word in quotation marks, not a quotation to check.
QUOTATION_CHARACTERS = 8

# --- Facts and timelines (docs/quality.md "Facts across every report") --------------------------------

# An improvement item counts as said before when this share of its words is in an earlier report's item.
SAID_BEFORE_SHARE = 0.5
# Rows a facts answer shows; `reviewbot facts` lists them all.
MAX_ROWS = 40
# A table of judgements of at most this many rows quotes each report's opening sentence beside its grade.
FACT_SUMMARIES = 12
# Documents a timeline reads, one finding each, and how far down the ranking it looks for them.
TIMELINE_DOCUMENTS = 8
TIMELINE_DEPTH = 400

# --- Chat (docs/scale.md "Chat") ------------------------------------------------------------------------

# Slack: streamed text is sent at most this often (seconds) and at once when this many characters have
# gathered: the first words show within a second of the model's, without a Web API call per word.
SLACK_STREAM_SECONDS = 0.5
SLACK_STREAM_CHARACTERS = 200
# Slack Web API calls answered 429 are tried again this many times, after the wait Slack asks for.
SLACK_RATE_LIMIT_RETRIES = 3
# Teams waits about 15 s for a turn: an answer slower than this (seconds) is sent as a proactive message.
TEAMS_TURN_WINDOW_SECONDS = 10.0
# Passages listed by 'More sources'.
MORE_SOURCES_SHOWN = 10

# --- The page view (docs/scale.md "The page view") -----------------------------------------------------

# A cited page is drawn at this many pixels per PDF point (2: 1,190 pixels across an A4 page, sharp on a
# laptop's screen; 1.5 takes a fifth less time and blurs small print).
PAGE_VIEW_SCALE = 2.0
# A quote broken by a page's footer and the next page's header is found in pieces of at least this many
# letters and digits (shorter pieces of a page are found anywhere by chance), each no further than
# QUOTE_GAP_LETTERS after the one before (a footer, a page number and a header are fewer).
QUOTE_PIECE_LETTERS = 12
QUOTE_GAP_LETTERS = 400
