"""Getting data in: raw exports read, checked and cleaned into the processed tables.

Belongs here everything that reads the files users bring or turns them into tables the
statistics can trust: the scan readers (``scan``, one registry of CSV, Excel and SPSS
readers), cleaning and pseudonymisation (``clean``), the data contract of the processed
responses (``contracts``), institution names and their aliases (``institutions``), the
readers of QDA exports (``qda``, one registry of Taguette, QualCoder and REFI-QDA) and
the fragment and document tables built from them (``qda_fragments``, ``fragments``,
``documents``), the screening of their free text for personal data (``redact``), and
synthetic data for demos and tests (``synth``). Modules here may import ``core`` and
``spec``; they compute no statistics and write no report text, and every problem in an
input is reported located as ``file:row:column``, never passed over.
"""
