"""The commands of ``nhacviec``: name → (modules that define it, first paragraph of
its help). Written by ``python -m engine.cli.lazy``; do not edit by hand.
"""

COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "ack": (
        ("actions",),
        'Acknowledge obligations: the agency has them in hand (stops "please confirm" reminders).',
    ),
    "done": (
        ("actions",),
        "Record obligations as done, on time or late (stops every reminder).",
    ),
    "waive": (
        ("actions",),
        "Waive open or acknowledged obligations: they need not be done.",
    ),
    "track": (
        ("actions",),
        "Bring obligations due before their plan's tracking start into tracking.",
    ),
    "reopen": (
        ("actions",),
        "Reopen an acknowledged, done or waived obligation.",
    ),
    "show": (
        ("actions",),
        "Show an obligation, its notifications and its whole history.",
    ),
    "init": (
        ("admin",),
        "Create the database schema, or upgrade it to this version. Safe to run twice.",
    ),
    "agenda": (
        ("calendar",),
        "What falls due between two dates, by due date.",
    ),
    "overdue": (
        ("calendar",),
        "Obligations past their due date and not done or waived, oldest first.",
    ),
    "status": (
        ("calendar",),
        "The scorecard per agency: the status categories, on-time rate, open and acknowledged.",
    ),
    "calendar": (
        ("calendar",),
        "A month grid: days off shaded, each day listing what is due, coloured by status.",
    ),
    "tick": (
        ("delivery",),
        "Send everything due now, once: one pass of the delivery engine (for cron and tests).",
    ),
    "run": (
        ("delivery",),
        "Run the engine: a tick every minute, re-sync on file changes, the ack web pages.",
    ),
    "simulate": (
        ("delivery",),
        "List every notification that would go out in a span; sends and writes nothing.",
    ),
    "digest": (
        ("digest",),
        "The weekly digests of a week: who gets which, or (--preview) the messages themselves.",
    ),
    "extend": (
        ("extensions",),
        "Ask the plan owner for a new due date for an obligation (xin gia hạn).",
    ),
    "snooze": (
        ("extensions",),
        "Pause an obligation's reminders for one contact (never its escalations).",
    ),
    "letter": (
        ("letter",),
        "Write a reminder letter listing what an agency has overdue, and store it.",
    ),
    "period": (
        ("period",),
        "Read one time expression as written in a plan and print what it means.",
    ),
    "report": (
        ("report",),
        "Export the status categories of a plan's obligations due in a period.",
    ),
    "web": (
        ("web",),
        "Serve the web pages on [web] bind until Ctrl-C or SIGTERM; `run` serves them too.",
    ),
    "validate": (
        ("workflow",),
        "Check the settings, workflows, templates, agency directory and plan files.",
    ),
    "sync": (
        ("workflow",),
        "Generate obligations and reminders from the stored plans and the workflows.",
    ),
    "export": (
        ("calendar",),
        "Export obligations to other tools (iCalendar).",
    ),
    "contacts": (
        ("contacts",),
        "Agency contacts and their Telegram links.",
    ),
    "extension": (
        ("extensions",),
        "Extension requests (xin gia hạn): list, approve, refuse.",
    ),
    "plan": (
        ("plan",),
        "Plans: import a document, load a plan file, list and show plans.",
    ),
}
