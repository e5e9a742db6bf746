"""Weekly digests: each agency's overdue and coming work, and the plan owner's overview.

Every ISO week, at ``[time] send_at`` on its first working day (Monday, or the first
working day after a holiday; a week without one has no digest), with ``[digest]
enabled``:

- each agency with something overdue, due in the next 14 days, or acknowledged and not
  done gets one digest per channel for each of its coordinators (``agency`` scope):
  grouped by plan, overdue first with the days late, then what is due soon, then what is
  acknowledged and in progress;
- the coordinators of an agency that owns plans get the owner digest (``owner`` scope):
  per plan, the scorecard of its agencies (the same numbers as ``nhacviec status --plan P
  --as-of D``), the ten most overdue obligations, what became overdue and what was done
  during the previous week, and the extension requests waiting for a decision. An owner
  that also owes work gets both digests, as two messages;
- an agency (or owner) with nothing to report gets nothing.

How it runs, in three parts here and one in ``engine.messages`` (the modules are
imported by name: the package imports none of them, so that rendering can read ``weeks``
without the store):

``weeks``
    ``IsoWeek``: codes (``2026-W25``), days, the send day and instant of a week.
``content``
    What a digest says (``agency_digests``, ``owner_digests``, ``pending_extensions``),
    read from obligations, audit events and extension requests on the digest's day;
    nothing of it is stored.
``schedule``
    ``prepare_digests``, called by the delivery tick: once per week, from the send
    instant to the end of the week, it inserts one outbox row (``Notification`` of kind
    ``digest``, key ``digest:YYYY-Www:{scope}:c{contact}:{channel}``, ``obligation_id``
    null, the week, scope and agency in ``payload``) per recipient and channel, under a
    marker that makes several workers, restarts and repeated ticks agree; an engine that
    was down on the send day prepares the week when it returns, if the week is not over.
    ``simulated_rows`` is what ``nhacviec simulate`` lists for weeks not prepared yet.
``engine.messages.digest``
    The ``digest`` kind of ``engine.messages.kinds.KINDS`` (``engine.messages.digest``):
    the rows go through the outbox like reminders (leases, retries, one send per key,
    crash safety), and their content is computed when they are sent; a row whose week is
    over, or whose agency has nothing to report any more, is cancelled, never sent.

Templates: ``templates/{vi,en}/digest_agency.*`` and ``digest_owner.*`` (email text and
HTML, Telegram; contexts in ``templates/README.md``). ``nhacviec digest`` previews them.
"""
