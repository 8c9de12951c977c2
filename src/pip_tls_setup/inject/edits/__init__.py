"""Text edits of files the tool does not own: managed certificate blocks, pip's ``cert =``, dotenv files."""
