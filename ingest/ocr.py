"""Scanned pages read by OCR: OCRmyPDF runs Tesseract on a PDF's image-only pages and lays the recognised text
over them, as a copy of the file that a PDF reader reads like any other. The copy is kept in the data folder
under the file's sha256, so a file is recognised once however often it is ingested, and the page view finds
the quote's words on its pages.

Both are Debian packages (`apt-get install tesseract-ocr tesseract-ocr-eng ocrmypdf`), found on PATH when
they are needed."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from index import tuning
from index.files import file_sha256

TOOLS = ("ocrmypdf", "tesseract")
# Tesseract's English model; the Debian package tesseract-ocr-eng.
LANGUAGE = "eng"
# Why a scan is left unread where the tools are missing: the ingest says it once, the files' reasons too.
NOT_INSTALLED = ("Tesseract is not installed, so scanned pages can't be read: "
                 "apt-get install tesseract-ocr tesseract-ocr-eng ocrmypdf")


class OcrFailed(Exception):
    """OCR could not read the file; the message says why."""


def missing_tools() -> list[str]:
    """The OCR tools not found on PATH."""
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def recognised_copy(path: Path, pages: list[int], folder: Path) -> Path:
    """The file with the recognised text of `pages` (1-based) laid over them; made once per file contents."""
    digest = file_sha256(path)
    copy = folder / f"{digest}.pdf"
    if copy.is_file():
        return copy
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{digest}.{os.getpid()}.pdf"
    command = ["ocrmypdf", "--skip-text", "--pages", ",".join(map(str, pages)), "-l", LANGUAGE,
               # A plain PDF, untouched but for the text laid over it: no PDF/A conversion, no recompression.
               "--output-type", "pdf", "--optimize", "0", "--quiet", str(path), str(partial)]
    try:
        done = subprocess.run(command, capture_output=True, text=True,
                              timeout=30 + tuning.OCR_SECONDS_PER_PAGE * len(pages))
    except subprocess.TimeoutExpired:
        partial.unlink(missing_ok=True)
        raise OcrFailed(f"OCR took longer than {tuning.OCR_SECONDS_PER_PAGE} s a page") from None
    if done.returncode != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        lines = [line for line in (done.stderr or "").splitlines() if line.strip()]
        raise OcrFailed(f"OCR failed: {lines[-1] if lines else f'ocrmypdf exit status {done.returncode}'}")
    partial.replace(copy)  # whole or not at all, for the next ingest and for another process reading it
    return copy
