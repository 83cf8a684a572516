"""What the study is: the definitions every analysis and report reads instead of hard-coding.

Belongs here what describes the research rather than its data: the instrument (items,
themes, answer scale, missing answers), the codebook for interview fragments, and the
published study (its questions, recommendations, quotes and the HAN Blended Leren
Bloem), each with the YAML or CSV files shipped beside it (``instruments/``,
``codebooks/``, ``study/``). Modules here may import ``core`` and pandas; they read
definitions only, never scan or interview data.
"""
