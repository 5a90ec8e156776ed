"""Import potential clients from CSV or XLSX into the cold-call queue.

- Reading: the kind is taken from the bytes (XLSX is a zip; old .xls and binary junk are refused with a
  sentence a person can act on).  Text in UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text"), or,
  as charset-normalizer finds it, Windows-1251, KOI8-R or cp866.  The header is the row of the first thirty
  that names the most known columns with a company name among them (titles, dates and empty lines above it
  are skipped); the separator (tab, `;`, `,`) is the one of that row.  Column names of 1C, Bitrix24, amoCRM
  and hand-made lists (docs/import-format.md).  A row that cannot be read (a 5 MB line, a broken quote)
  is rejected on its own; the rest of the file goes on.
- Values: phones normalised to E.164 (region RU) with their extension kept («доб. 12»); several phones or
  e-mails a cell; INN checked (length and checksum); spaces squeezed in one-line values.
- Duplicates, against the base and within the file: the same INN is the same company and another INN never
  is; a shared phone is the same company only when the names agree too (a toll-free number alone makes a
  "possible duplicate" for the supervisor, never a merge); the normalised name with the city.  Merging
  never destroys: empty fields are filled, new phones and contact persons added; what the file had for a
  field already filled is written in the company's history and the report, not over the stored value.  A
  row that brings nothing new changes nothing, so running the same file again adds nothing.
- A new company without a usable phone goes to the list for research (`needs_data_fix`), not the queue.
- Streaming: the duplicate keys of the base are loaded once into memory as integers; rows are read, checked
  and written in batches (2,000 by default), each batch committed on its own, so memory stays flat and a
  killed import keeps every complete batch.
- The report (rejected rows with their cells, possible duplicates, kept values, rows for research) is a CSV
  in the exports folder (the server's; never beside the input).
- `preview` runs the same code with nothing written: the format, the columns and the counts, for a person
  to check before the import.
- A large file (4 MiB and more) on two cores is read and parsed in a second process (`importer._ParseProcess`) while
  this one writes; on SQLite that process also loads the base's duplicate keys and matches every row
  (`importer._MatchingParser`), so this one only writes; on PostgreSQL this one loads the keys and matches.  The
  result is the same as in one process (tests/services/test_import_parallel.py).

The package: `sources` (reading files), `headers` (which column is which), `values` (cells), `importer`
(the import itself and the parsing process), `runs` (an import or a preview for a person), `undo`.
"""

from kbase_tui.inn import clean_inn, valid_inn

from .headers import FIELDS, map_headers
from .importer import PARALLEL_MIN_BYTES, Importer, default_report_path
from .runs import preview, require_importer, run_import, write_csv
from .sources import detect_encoding, open_source, read_header
from .undo import recent_runs, undo_import
from .values import split_emails, split_phones

__all__ = [
    "FIELDS",
    "PARALLEL_MIN_BYTES",
    "Importer",
    "clean_inn",
    "default_report_path",
    "detect_encoding",
    "map_headers",
    "open_source",
    "preview",
    "read_header",
    "recent_runs",
    "require_importer",
    "run_import",
    "split_emails",
    "split_phones",
    "undo_import",
    "valid_inn",
    "write_csv",
]
