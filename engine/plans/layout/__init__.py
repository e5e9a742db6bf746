"""Page geometry shared by the PDF text layer and OCR: words → printed lines →
paragraphs, column regions and tables, in reading order (``layout_page``), then the
pages of a document into one ``Document`` (``assemble``)."""
