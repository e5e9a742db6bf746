"""Messages: from an outbox row to a channel ``Message``, Jinja2 templates and their context.

``types``
    What every kind shares: the templates (``Templates``, ``templates_for``), the
    recipient (``Recipient``), the environment of a batch (``RenderEnv``), the views the
    templates show (``Subject`` and its parts), and what is handed in: ``Source`` (what
    the store side loads for a batch), ``Letters`` (made before rendering) and
    ``Buttons`` (a chat's keyboards, from the bot).
``obligation``, ``extension``, ``digest``
    One module per ``Notification.kind``: reminders and escalations (and ``snooze``, the
    reminder a snooze brings back), extension requests and decisions, weekly digests.
``kinds``
    ``KINDS``: each kind → the class that renders its rows.

A kind renderer is built per batch, ``prepare``s once with every row of its kind in the
batch (the store side reads in bulk: the tick's cost must grow with the batch, not with
the rows), may say a row that passed the tick's rules is ``withheld`` (it is cancelled;
an optional method), then ``render``s each row. Contexts are documented in
``templates/README.md``.

Nothing in this package reads or writes the store, the outbox, the letters or the bot
(``tests/test_layers.py``): ``engine.sources`` implements ``Source``, makes the letters
and brings the buttons, and delivery, simulate and the CLI hand them in.
"""
