"""What a reader of a report sees: words, numbers, tables, figures and the report sections.

Every sentence comes from the text catalogue (``text.py`` and ``locale/<lang>.yaml``; a new
language is one new file there) and every number is written by ``numbers.py``. The
modules, from the bottom up: ``labels`` turns codes of the lower layers (a band, a valence,
a cleaning step) into catalogue words; ``html`` marks text up (headings, paragraphs,
banners, tables, figures); ``data`` loads the processed files one report needs, cut to its
institution; ``plots``, ``documents`` (sub-question 1 and the Bloem) and ``joint`` (the
mixed-methods display) build figures and tables; ``reliability`` the alpha/omega table and
its cache; ``qda_import`` the import report of a QDA export; ``common`` the blocks both
reports show and which optional sections a study has; ``institution`` and ``study`` the
sections of each report, which the notebooks call one by one; ``page`` the HTML page
around a rendered report and the index. A new report section goes into ``institution.py``
or ``study.py`` (``common.py`` when both reports show it), its words into every catalogue.
"""
