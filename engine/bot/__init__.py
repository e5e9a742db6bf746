"""The chat service: what a person does from a linked chat, on any chat channel.

- ``links``: invitation codes, chat → contacts, authorization, refusals;
- ``replies``: the bot's words, ``templates/{vi,en}/bot/*.j2``;
- ``service``: what each command or press does (``BotService``, on the channel its
  caller names);
- ``texts``: the commands of a channel whose inbound messages are texts
  (``text_commands``: Zalo's OA webhook);
- ``buttons``: the keyboard under sent reminders, following the obligation's status;
- ``lease``: one bot per database when several workers share it.

A channel's own transport lives in its package: Telegram's bot (python-telegram-bot,
long polling, editing sent keyboards) is ``notifiers.telegram.bot`` and
``notifiers.telegram.buttons``; Zalo's webhook is ``notifiers.zalo.webhook``.
"""
