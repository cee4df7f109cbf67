"""The pure domain of finance-match: no I/O, no database, no framework.

- :mod:`.catalogue`   institutions and products (gates as data), loaded and validated
- :mod:`.gates`       one small function per gate: pass / fail / unknown with codes and messages
- :mod:`.enterprise`  the enterprise snapshot the matcher reads, and the facts derived from it
- :mod:`.demands`     a financing demand with its consent
- :mod:`.matching`    match(demand, snapshot, products, as_of): ranked matches, needs-data, misses
- :mod:`.credit_grades`  the grade scale AAA … D and its order
- :mod:`.workflow`    the per demand × product state machine
- :mod:`.deadlines`   first-response deadlines in working days (chinesecalendar, Mon–Fri fallback)
- :mod:`.financing_failure`  when the 融资难 path triggers
- :mod:`.decision_stats`     decision-time percentiles and financing statistics
- :mod:`.errors`      DomainError and its machine codes
"""
