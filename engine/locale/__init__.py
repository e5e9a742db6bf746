"""The message catalogues (``vi/LC_MESSAGES/nhacviec.po``) and the tool that keeps them:
``python -m engine.locale`` (see ``engine.i18n``)."""
