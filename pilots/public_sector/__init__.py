"""Public-sector pilot: routing citizens' requests (FR/DE/LB/EN) to the competent service, with abstention.

The lab's one shape: :mod:`.contract` (what a file must hold, the value codes, the pre-kernel check),
:mod:`.synthetic` (the SYNTHETIC Guichet.lu requests), :mod:`.data` (loaded requests -> split, languages,
rare labels), :mod:`.model` (the router, its baselines and every claim), :mod:`.privacy` (the redactor and
how well it works), :mod:`.report` (what the pages show), :mod:`.run` (``run(params)``: the whole analysis)
and :mod:`.benchmark`.
"""
