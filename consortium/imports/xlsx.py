"""Safe reading and writing of .xlsx workbooks for the import framework (no ORM here).

Reading (``check_upload`` then ``parse_workbook``):

1. size: empty or above ``MAX_UPLOAD_BYTES`` is refused with the limit in the message;
2. shape: must be a ZIP with ``[Content_Types].xml`` and ``xl/workbook.xml``; legacy .xls and encrypted
   (password-protected) workbooks — both OLE compound files — CSV or random bytes get their own message;
3. zip bomb: the declared uncompressed sizes (sum and per member) and each member's compression ratio are checked
   with ``zipfile`` before openpyxl opens anything (zipfile itself refuses to inflate a member past its declared
   size: the CRC check fails), plus member count, row and column limits while parsing;
4. parsing: openpyxl ``read_only=True, data_only=False`` (defusedxml installed: no entity expansion); any formula
   cell is refused with its sheet, row and column; headers must match the template; every cell error is collected.

Writing: templates (headers, frozen header row, widths, drop-down validation lists, a hidden list sheet,
instructions) and exports (write-only mode) — no written cell can be run as a formula by a spreadsheet.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any
from xml.etree.ElementTree import XMLPullParser
from xml.parsers import expat

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet.datavalidation import DataValidation

from consortium.tenancy.text import join_list

from .registry import Column, Importer

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_MEMBER_BYTES = 150 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100  # per member above RATIO_MIN_BYTES; real sheets compress 5-20x
RATIO_MIN_BYTES = 256 * 1024
MAX_MEMBERS = 2000
MAX_COLUMNS = 60
MAX_ERRORS = 500
PREVIEW_ROWS = 20
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
LISTS_SHEET = "_lists"


class FileRejected(Exception):
    """The file is refused as a whole (message in the user's language)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB"


# --- checks before parsing ----------------------------------------------------------------------------------------


def check_upload(fileobj: IO[bytes], size: int | None = None) -> None:
    """Refuse anything that is not a plausible, bounded .xlsx. ``fileobj`` must be seekable; it is rewound."""
    if size is None:
        fileobj.seek(0, io.SEEK_END)
        size = fileobj.tell()
    fileobj.seek(0)
    if not size:
        raise FileRejected(_("文件为空，请选择按模板填写的 Excel（.xlsx）文件。"))
    if size > MAX_UPLOAD_BYTES:
        raise FileRejected(
            _("文件过大（%(size)s），上传文件不能超过 %(limit)s。")
            % {"size": _mb(size), "limit": _mb(MAX_UPLOAD_BYTES)}
        )
    head = fileobj.read(8)
    fileobj.seek(0)
    if head.startswith(OLE_MAGIC):
        raise FileRejected(
            _(
                "这是旧版 Excel 97-2003（.xls）文件或设置了打开密码的加密工作簿，无法读取。"
                "请在 Excel 中取消密码后“另存为”Excel 工作簿（.xlsx）再上传。"
            )
        )
    if not head.startswith(ZIP_MAGIC):
        raise FileRejected(
            _("文件不是 Excel 工作簿（.xlsx）。CSV、文本或改了扩展名的文件不能导入，请下载模板填写后上传。")
        )
    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
            if len(members) > MAX_MEMBERS:
                raise FileRejected(_("文件结构异常（压缩包成员过多），已拒绝。"))
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise FileRejected(
                    _("文件不是 Excel 工作簿（.xlsx）：缺少工作簿结构。Word、WPS 表格专有格式等文件请另存为 .xlsx。")
                )
            if "xl/vbaProject.bin" in names:
                raise FileRejected(_("文件包含宏（VBA），出于安全原因已拒绝。请另存为不含宏的 .xlsx 文件。"))
            total = 0
            for member in members:
                if member.flag_bits & 0x1:
                    raise FileRejected(_("文件已加密，无法读取。请取消密码后另存为 .xlsx 再上传。"))
                total += member.file_size
                if member.file_size > MAX_MEMBER_BYTES or total > MAX_UNCOMPRESSED_BYTES:
                    raise FileRejected(
                        _("文件解压后过大（超过 %(limit)s），疑似压缩炸弹，已拒绝。")
                        % {"limit": _mb(MAX_UNCOMPRESSED_BYTES)}
                    )
                if member.file_size > RATIO_MIN_BYTES and member.file_size > MAX_COMPRESSION_RATIO * max(
                    member.compress_size, 1
                ):
                    raise FileRejected(
                        _("文件压缩比异常（%(name)s 超过 %(ratio)d 倍），疑似压缩炸弹，已拒绝。")
                        % {"name": member.filename, "ratio": MAX_COMPRESSION_RATIO}
                    )
    except zipfile.BadZipFile:
        raise FileRejected(_("文件已损坏或不是有效的 Excel 工作簿（.xlsx）。"))
    finally:
        fileobj.seek(0)


# --- parsing ------------------------------------------------------------------------------------------------------


def normalize_header(value: Any) -> str:
    text = "" if value is None else str(value)
    text = re.sub(r"\s+", "", text)
    for suffix in ("（必填）", "(必填)", "*", "＊"):
        text = text.removesuffix(suffix)
    return text


@dataclass
class ParseResult:
    rows: list[dict[str, Any]] = field(default_factory=list)  # converted rows with "_row" (Excel row number)
    errors: list[dict[str, Any]] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)
    letters: dict[str, str] = field(default_factory=dict)  # column key -> letter in the file
    preview: dict[str, Any] = field(default_factory=dict)
    fatal: bool = False  # the file as a whole is unusable (headers, formulas, limits)

    @property
    def clean_rows(self) -> list[dict[str, Any]]:
        return [row for row in self.rows if row["_row"] not in self.bad_rows]


def make_error(sheet: str, row: int | None, column: Column | None, letter: str, message: str) -> dict[str, Any]:
    header = str(column.header) if column is not None else ""
    label = (
        _("%(header)s（%(l)s列）") % {"header": header, "l": letter}
        if header and letter
        else header or (_("%(l)s列") % {"l": letter} if letter else "")
    )
    return {
        "sheet": sheet,
        "row": row,
        "column": label,
        "header": header,
        "letter": letter,
        "field": column.key if column is not None else "",
        "message": str(message),
    }


def _unescape(text: str) -> str:
    # Our exports prefix formula-like text with a quote; a re-import gives the original text back.
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        return text[1:]
    return text


def _as_text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return _("是") if raw else _("否")
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == time(0) else raw.isoformat(sep=" ")
    if isinstance(raw, date):
        return raw.isoformat()
    return _unescape(str(raw).strip())


DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*月?$")
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "对"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", "✗", "不"}


def _to_date(raw: Any, month: bool, fmt: str) -> tuple[Any, str | None]:
    if isinstance(raw, datetime):
        value = raw.date()
    elif isinstance(raw, date):
        value = raw
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        if 1 <= raw < 2958466:  # an Excel date serial number
            try:
                value = from_excel(raw).date()
            except (ValueError, OverflowError):
                return None, fmt
        else:
            return None, fmt
    else:
        match = DATE_RE.match(str(raw).strip())
        if not match:
            return None, _("“%(value)s”不是有效日期；%(format)s。") % {"value": _as_text(raw), "format": fmt}
        year, mon, day = int(match.group(1)), int(match.group(2)), match.group(3)
        if day is None and not month:
            return None, _("“%(value)s”缺少日；%(format)s。") % {"value": _as_text(raw), "format": fmt}
        try:
            value = date(year, mon, int(day) if day else 1)
        except ValueError:
            return None, _("“%(value)s”不是有效日期；%(format)s。") % {"value": _as_text(raw), "format": fmt}
    if not 1900 <= value.year <= 2100:
        return None, _("日期“%(value)s”超出合理范围（1900—2100年）。") % {"value": value.isoformat()}
    return (value.replace(day=1) if month else value), None


def convert_cell(column: Column, raw: Any) -> tuple[Any, str | None]:
    """(value for the service, error message or None). Empty cells give "" (or None for numbers, [] for lists)."""
    return make_converter(column)(raw)


def make_converter(column: Column) -> Callable[[Any], tuple[Any, str | None]]:
    """``convert_cell`` for one column with its constant work (messages, choice lookup) done once per parse."""
    required_message = _("必填项不能为空。")
    empty_value: Any = {"int": None, "list": []}.get(column.type, "")
    kind = column.type
    validate = column.validate
    max_length = column.max_length
    if kind == "str":

        def convert(raw: Any) -> tuple[Any, str | None]:
            if isinstance(raw, str):
                text = _unescape(raw.strip())
            elif isinstance(raw, float) and not raw.is_integer():
                text = repr(raw)
            else:
                text = _as_text(raw)
            if max_length and len(text) > max_length:
                return None, _("长度不能超过%(max)d个字符（当前%(n)d个）。") % {"max": max_length, "n": len(text)}
            if isinstance(raw, float) and raw > 1e15:
                return None, _("数字位数过长被 Excel 转成了科学计数法，请把该列设为“文本”格式后重新填写。")
            return text, None

    elif kind == "int":

        def convert(raw: Any) -> tuple[Any, str | None]:
            if isinstance(raw, bool):
                return None, _("应填写整数。")
            if isinstance(raw, int):
                value = raw
            elif isinstance(raw, float) and raw.is_integer():
                value = int(raw)
            else:
                text = _as_text(raw).removesuffix(".0")
                if not re.fullmatch(r"[+-]?\d{1,9}", text):
                    return None, _("“%(value)s”不是整数。") % {"value": _as_text(raw)}
                value = int(text)
            if column.min_value is not None and value < column.min_value:
                return None, _("不能小于%(min)d。") % {"min": column.min_value}
            if column.max_value is not None and value > column.max_value:
                return None, _("不能大于%(max)d。") % {"max": column.max_value}
            return value, None

    elif kind in ("date", "month"):
        month = kind == "month"
        fmt = _("日期格式应为 YYYY-MM（如 2027-06）") if month else _("日期格式应为 YYYY-MM-DD（如 2027-06-30）")

        def convert(raw: Any) -> tuple[Any, str | None]:
            return _to_date(raw, month, fmt)

    elif kind == "bool":

        def convert(raw: Any) -> tuple[Any, str | None]:
            if isinstance(raw, bool):
                return raw, None
            text = _as_text(raw)
            lowered = text.lower()
            if lowered in TRUE_WORDS:
                return True, None
            if lowered in FALSE_WORDS:
                return False, None
            return None, _("“%(value)s”无效，请填写“是”或“否”。") % {"value": text}

    elif kind == "choice":
        lookup: dict[str, Any] = {}
        for choice_value, label in column.choices:  # the first choice whose label or value matches wins
            lookup.setdefault(str(label), choice_value)
            lookup.setdefault(str(choice_value), choice_value)
        aliases = column.aliases
        labels = join_list(column.labels)

        def convert(raw: Any) -> tuple[Any, str | None]:
            text = _as_text(raw)
            value = lookup.get(text)
            if value is None and text in aliases:
                value = aliases[text]
            if value is None:
                return None, _("“%(value)s”不是可选值，可选：%(labels)s。") % {"value": text, "labels": labels}
            return value, None

    else:  # list

        def convert(raw: Any) -> tuple[Any, str | None]:
            text = _as_text(raw)
            value = [p.strip() for p in LIST_SPLIT_RE.split(text) if p.strip()]
            if max_length and len(text) > max_length:
                return None, _("长度不能超过%(max)d个字符（当前%(n)d个）。") % {"max": max_length, "n": len(text)}
            return value, None

    def convert_checked(raw: Any) -> tuple[Any, str | None]:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if column.required:
                return None, required_message
            return (list(empty_value) if kind == "list" else empty_value), None
        value, problem = convert(raw)
        if problem:
            return None, problem
        if validate is not None and value not in ("", None, []):
            problem = validate(value)
            if problem:
                return None, str(problem)
        return value, None

    return convert_checked


LIST_SPLIT_RE = re.compile(r"[,，、;；\s]+")


def parse_workbook(
    fileobj: IO[bytes], importer: Importer, *, progress: Callable[[int, int], None] | None = None
) -> ParseResult:
    """Parse the importer's sheet. Never raises for bad content: errors are collected in the result
    (``FileRejected`` only for files that cannot be read: broken parts, malformed or DTD-carrying sheet XML)."""
    result = ParseResult()
    sheet_name = importer.sheet_name
    try:
        book = _open_workbook(fileobj)
    except Exception:  # openpyxl raises many types for malformed parts
        raise FileRejected(_("文件已损坏或不是有效的 Excel 工作簿（.xlsx），无法读取。"))
    try:
        target = book.targets.get(sheet_name)
        if target is None:
            result.fatal = True
            result.errors.append(
                make_error(
                    sheet_name,
                    None,
                    None,
                    "",
                    _("找不到工作表“%(sheet)s”（文件中的工作表：%(found)s）。请使用下载的模板。")
                    % {"sheet": sheet_name, "found": join_list(book.sheetnames) or "—"},
                )
            )
            return result
        with book.archive.open(target) as source:
            _parse_sheet(_SheetReader(source, book), importer, result, progress)
    finally:
        book.archive.close()
    return result


# --- fast, safe reading of one worksheet part ----------------------------------------------------------------------
#
# openpyxl's read-only mode builds a cell object per cell (and, with defusedxml installed, runs the pure-Python
# ElementTree parser): ~2,000 rows/s. Here the sheet part is streamed through the C ``XMLPullParser`` and the cells
# are decoded exactly like openpyxl 3.1 ``WorkSheetParser.parse_cell`` / ``ReadOnlyWorksheet._cells_by_row`` do
# (same row padding, same types, same date detection from the stylesheet). Safety equals defusedxml's: the prolog is
# first run through a plain expat parser that refuses any DTD (a document without a DTD cannot declare entities, so
# nothing can expand, and external entities are impossible); the workbook structure, shared strings and styles are
# still read by openpyxl (with defusedxml).

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW_TAG = _NS + "row"
_CELL_TAG = _NS + "c"
_VALUE_TAG = _NS + "v"
_FORMULA_TAG = _NS + "f"
_INLINE_TAG = _NS + "is"
_TEXT_TAG = _NS + "t"
_RUN_TAG = _NS + "r"
_CHUNK = 256 * 1024
_DIGITS = "0123456789"
_REF_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?([1-9]\d*)$")


@dataclass
class _Book:
    archive: zipfile.ZipFile
    sheetnames: list[str]
    targets: dict[str, str]  # worksheet name -> part path (first sheet of that name, like workbook[name])
    shared_strings: list[Any]
    epoch: Any
    date_formats: set[int]
    timedelta_formats: set[int]


def _open_workbook(fileobj: IO[bytes]) -> _Book:
    """The workbook structure as openpyxl ``load_workbook(read_only=True)`` reads it, without opening every sheet."""
    reader = ExcelReader(fileobj, read_only=True, keep_vba=False, data_only=False, keep_links=False)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        reader.read_properties()
        reader.read_custom()
        reader.read_theme()
        apply_stylesheet(reader.archive, reader.wb)
        names: list[str] = []
        targets: dict[str, str] = {}
        for sheet, rel in reader.parser.find_sheets():
            if rel.target not in reader.valid_files:
                continue
            names.append(sheet.name)
            if "chartsheet" not in (rel.Type or ""):
                targets.setdefault(sheet.name, rel.target)
        wb = reader.wb
        return _Book(
            archive=reader.archive,
            sheetnames=names,
            targets=targets,
            shared_strings=reader.shared_strings,
            epoch=wb.epoch,
            date_formats=set(wb._date_formats),
            timedelta_formats=set(wb._timedelta_formats),
        )
    except Exception:
        reader.archive.close()
        raise


class _PrologChecked(Exception):
    pass


class _DtdFound(Exception):
    pass


def _refuse(*_args: Any) -> None:
    raise _DtdFound


def _prolog_checker() -> Any:
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse

    def root_started(*_args: Any) -> None:
        raise _PrologChecked

    parser.StartElementHandler = root_started
    return parser


def _corrupt() -> FileRejected:
    return FileRejected(_("文件已损坏或不是有效的 Excel 工作簿（.xlsx），无法读取。"))


class _SheetReader:
    """Rows of a worksheet part as ``(values, types)`` lists of a requested width (column 1 first), in the order and
    with the padding of openpyxl's read-only ``iter_rows``. ``types[i]`` is None for an empty cell, else openpyxl's
    data type ("n", "s", "b", "d", "e", "f" for a formula...)."""

    def __init__(self, source: IO[bytes], book: _Book):
        self.source = source
        self.book = book
        self.columns: dict[str, int] = {}

    def rows(self) -> Any:
        """Row elements (or None for a padded missing row); raise ``FileRejected`` for unreadable XML."""
        try:
            yield from self._rows()
        except FileRejected:
            raise
        except _DtdFound:
            raise FileRejected(_("文件包含不安全的 XML 声明（DTD），出于安全原因已拒绝。请另存为 .xlsx 后再上传。"))
        except Exception:
            raise _corrupt()

    def _rows(self) -> Any:
        checker = _prolog_checker()
        pull = XMLPullParser(events=("end",))
        counter = 1
        row_counter = 0
        read = self.source.read
        while True:
            chunk = read(_CHUNK)
            if checker is not None:
                try:
                    checker.Parse(chunk, not chunk)
                except _PrologChecked:
                    checker = None
                else:
                    if not chunk:
                        raise ValueError("no root element")
            if not chunk:
                pull.close()
                return
            pull.feed(chunk)
            for _event, elem in pull.read_events():
                if elem.tag != _ROW_TAG:
                    continue
                ref = elem.get("r")
                if ref is not None:
                    try:
                        row_counter = int(ref)
                    except ValueError:
                        number = float(ref)
                        if not number.is_integer():
                            raise
                        row_counter = int(number)
                else:
                    row_counter += 1
                while counter < row_counter:  # missing rows are yielded as empty rows, like openpyxl
                    counter += 1
                    yield None
                if counter <= row_counter:
                    counter += 1
                    yield elem
                elem.clear()

    def cells(self, row: Any, width: int) -> tuple[list[Any], list[str | None]]:
        values: list[Any] = [None] * width
        types: list[str | None] = [None] * width
        if row is None:
            return values, types
        try:
            self._decode(row, width, values, types)
        except Exception:
            raise _corrupt()
        return values, types

    def _column(self, ref: str) -> int:
        letters = ref.rstrip(_DIGITS)
        column = self.columns.get(letters)
        if column is None or letters == ref:
            match = _REF_RE.match(ref)
            if match is None:
                raise ValueError(ref)
            column = column_index_from_string(match.group(1).upper())
            self.columns[letters] = column
        return column

    def _decode(self, row: Any, width: int, values: list[Any], types: list[str | None]) -> None:
        book = self.book
        column = 0
        for cell in row:
            if cell.tag != _CELL_TAG:
                continue
            ref = cell.get("r")
            column = self._column(ref) if ref else column + 1
            if column > width:
                continue
            data_type = cell.get("t", "n")
            text = None
            inline = None
            formula = False
            for child in cell:
                tag = child.tag
                if tag == _VALUE_TAG:
                    if text is None:
                        text = child.text or ""
                elif tag == _FORMULA_TAG:
                    formula = True
                elif tag == _INLINE_TAG and inline is None:
                    inline = child
            value: Any = None if data_type == "inlineStr" else (text or None)
            if formula:
                data_type = "f"
            elif value is not None:
                if data_type == "n":
                    value = float(value) if ("." in value or "E" in value or "e" in value) else int(value)
                    style = cell.get("s", 0)
                    if style and int(style) in book.date_formats:
                        data_type = "d"
                        try:
                            value = from_excel(value, book.epoch, timedelta=int(style) in book.timedelta_formats)
                        except (OverflowError, ValueError):
                            data_type, value = "e", "#VALUE!"
                elif data_type == "s":
                    value = book.shared_strings[int(value)]
                elif data_type == "b":
                    value = bool(int(value))
                elif data_type == "str":
                    data_type = "s"
                elif data_type == "d":
                    value = from_ISO8601(value)
            elif data_type == "inlineStr" and inline is not None:
                data_type = "s"
                plain = None
                runs = []
                for part in inline:
                    if part.tag == _TEXT_TAG:
                        plain = part.text
                    elif part.tag == _RUN_TAG:
                        for piece in part:
                            if piece.tag == _TEXT_TAG and piece.text is not None:
                                runs.append(piece.text)
                value = "".join(([plain] if plain is not None else []) + runs)
            values[column - 1] = value
            types[column - 1] = data_type


def _parse_sheet(reader: _SheetReader, importer: Importer, result: ParseResult, progress: Any) -> None:
    name = importer.sheet_name
    # The declared <dimension> is ignored (rows beyond it would be silently dropped): read what is there, bounded
    # by the row cap below.
    rows = reader.rows()
    header_values, header_types = reader.cells(next(rows, None), MAX_COLUMNS + 1)
    for position, data_type in enumerate(header_types):
        if data_type == "f":
            result.fatal = True
            letter = get_column_letter(position + 1)
            result.errors.append(make_error(name, 1, None, letter, _("表头不能包含公式。")))
            return
    found = [normalize_header(v) for v in header_values]
    while found and not found[-1]:
        found.pop()
    if len(found) > MAX_COLUMNS:
        result.fatal = True
        result.errors.append(
            make_error(name, 1, None, "", _("列数过多（超过%(n)d列），请使用模板。") % {"n": MAX_COLUMNS})
        )
        return
    by_header = {normalize_header(c.header): c for c in importer.columns}
    positions: list[tuple[int, Column]] = []
    unknown, duplicated, seen = [], [], set()
    for index, header in enumerate(found):
        if not header:
            continue
        column = by_header.get(header)
        if column is None:
            unknown.append(_("%(header)s（%(l)s列）") % {"header": header, "l": get_column_letter(index + 1)})
        elif column.key in seen:
            duplicated.append(header)
        else:
            seen.add(column.key)
            positions.append((index, column))
            result.letters[column.key] = get_column_letter(index + 1)
    missing = [str(c.header) for c in importer.columns if c.required and c.key not in seen]
    if unknown or missing or duplicated or not positions:
        parts = []
        if missing:
            parts.append(_("缺少必填列：%(cols)s") % {"cols": join_list(missing)})
        if unknown:
            parts.append(_("无法识别的列：%(cols)s") % {"cols": join_list(unknown)})
        if duplicated:
            parts.append(_("重复的列：%(cols)s") % {"cols": join_list(duplicated)})
        expected = join_list(str(c.header) for c in importer.columns)
        actual = join_list(h for h in found if h) or "—"
        result.fatal = True
        result.errors.append(
            make_error(
                name,
                1,
                None,
                "",
                _("表头与模板不一致（%(problems)s）。应为：%(expected)s；实际为：%(actual)s。")
                % {"problems": "；".join(parts) or _("没有可识别的列"), "expected": expected, "actual": actual},
            )
        )
        return
    width = max(i for i, _c in positions) + 1
    result.preview = {"headers": [str(c.header) for _i, c in positions], "rows": []}
    converters = [(index, column, get_column_letter(index + 1), make_converter(column)) for index, column in positions]
    cell_error = _("单元格含错误值，请修正。")
    formula_error = _("单元格包含公式，出于安全原因不接受公式。请复制后“选择性粘贴为数值”再上传。")
    max_rows = importer.max_rows
    data_rows = 0
    for excel_row, element in enumerate(rows, start=2):
        if excel_row > max_rows + 1001:
            # Bound the work even for sheets that declare a row far down (missing rows are padded).
            result.fatal = True
            result.errors.append(
                make_error(
                    name,
                    None,
                    None,
                    "",
                    _("工作表超过最大行数（%(n)d行），请删除多余的行或分批导入。") % {"n": max_rows},
                )
            )
            return
        if element is None:
            continue  # a padded missing row is empty
        values, types = reader.cells(element, width)
        if "f" in types:
            formula_at = types.index("f")
            column = next((c for i, c in positions if i == formula_at), None)
            result.fatal = True
            result.errors.append(make_error(name, excel_row, column, get_column_letter(formula_at + 1), formula_error))
            continue  # keep scanning: report every formula cell
        if "e" in types:
            values = ["#ERR" if t == "e" else v for v, t in zip(values, types, strict=True)]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue  # empty rows are skipped
        data_rows += 1
        if data_rows > max_rows:
            result.fatal = True
            result.errors.append(
                make_error(name, excel_row, None, "", _("数据行数超过上限%(n)d行，请分批导入。") % {"n": max_rows})
            )
            return
        row: dict[str, Any] = {"_row": excel_row}
        for index, column, letter, convert in converters:
            raw = values[index]
            if raw == "#ERR":
                problem: str | None = cell_error
                value = None
            else:
                value, problem = convert(raw)
            if problem:
                result.bad_rows.add(excel_row)
                result.errors.append(make_error(name, excel_row, column, letter, problem))
            row[column.key] = value
        result.rows.append(row)
        if len(result.preview["rows"]) < PREVIEW_ROWS:
            result.preview["rows"].append([_as_text(values[i]) for i, _c in positions])
        if progress is not None and data_rows % 1000 == 0:
            progress(data_rows, max_rows)
    if not result.rows and not result.errors:
        result.fatal = True
        result.errors.append(make_error(name, None, None, "", _("工作表“%(sheet)s”中没有数据行。") % {"sheet": name}))


# --- writing ------------------------------------------------------------------------------------------------------


def safe_text(value: str) -> str:
    """Text a spreadsheet will never run as a formula (OWASP CSV/formula injection)."""
    if value and value[0] in FORMULA_PREFIXES:
        return "'" + value
    return value


def export_value(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.type == "choice":
        return safe_text(column.label_for(value))
    if column.type == "bool":
        return _("是") if value else _("否")
    if column.type == "month" and isinstance(value, date):
        return f"{value:%Y-%m}"
    if column.type == "date" and isinstance(value, date | datetime):
        return value
    if column.type == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if column.type == "list" and isinstance(value, list | tuple | set):
        return safe_text(",".join(str(v) for v in value))
    return safe_text(str(value))


HEADER_FONT = Font(bold=True, color="FFFFFF")
REQUIRED_FILL = PatternFill("solid", fgColor="C0392B")
OPTIONAL_FILL = PatternFill("solid", fgColor="2E5A88")


def _format_hint(column: Column) -> str:
    return {
        "str": _("文本") + (_("，不超过%(n)d字") % {"n": column.max_length} if column.max_length else ""),
        "int": _("整数"),
        "date": _("日期 YYYY-MM-DD"),
        "month": _("年月 YYYY-MM"),
        "bool": _("是 / 否"),
        "choice": _("下拉选择：%(labels)s") % {"labels": join_list(column.labels)},
        "list": _("多个代码用逗号或顿号分隔"),
    }[column.type]


def build_template(importer: Importer, lists: Mapping[str, Sequence[tuple[str, str]]]) -> bytes:
    """The import template: the data sheet, an instructions sheet, a code sheet and a hidden list sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = importer.sheet_name
    list_sheet = workbook.create_sheet(LISTS_SHEET)
    list_sheet.sheet_state = "hidden"
    list_col = 0
    last_row = importer.max_rows + 1
    for index, column in enumerate(importer.columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=str(column.header))
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        note = (_("必填。") if column.required else _("选填。")) + _format_hint(column)
        if column.help:
            note += "\n" + str(column.help)
        cell.comment = Comment(note, "portal")
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        if column.type in ("str", "list"):
            dimension.number_format = "@"  # keep ID numbers and codes as text
        options: Sequence[str] = ()
        strict = True
        if column.type == "choice":
            options = column.labels
        elif column.type == "bool":
            options = [_("是"), _("否")]
        elif column.list_name and lists.get(column.list_name):
            options = [code for code, _desc in lists[column.list_name]]
            strict = column.type != "list"
        if not options or column.type == "list":
            continue
        inline = ",".join(o.replace(",", "，") for o in options)
        dynamic = column.type not in ("choice", "bool")  # per-unit code lists always live on the hidden sheet
        if not dynamic and len(inline) <= 250 and '"' not in inline:
            formula = f'"{inline}"'
        else:
            list_col += 1
            list_letter = get_column_letter(list_col)
            list_sheet.cell(row=1, column=list_col, value=str(column.header))
            for row_number, option in enumerate(options, start=2):
                list_sheet.cell(row=row_number, column=list_col, value=safe_text(str(option)))
            formula = f"{quote_sheetname(LISTS_SHEET)}!${list_letter}$2:${list_letter}${len(options) + 1}"
        validation = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=not column.required,
            showErrorMessage=strict,
            errorStyle="stop",
            errorTitle=_("输入值无效"),
            error=_("请从下拉列表中选择。"),
            promptTitle=str(column.header),
            prompt=_format_hint(column)[:250],
            showInputMessage=True,
        )
        validation.add(f"{letter}2:{letter}{last_row}")
        sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 24

    guide = workbook.create_sheet(_("填写说明"), 1)
    guide.append([str(importer.title) + _("导入模板 · 填写说明")])
    guide["A1"].font = Font(bold=True, size=14)
    guide.append([_("1. 只填写工作表“%(sheet)s”，第1行表头不要修改；空行会被跳过。") % {"sheet": importer.sheet_name}])
    guide.append(
        [_("2. 红色表头为必填列。同一%(key)s重复导入时更新原记录，不会重复新增。") % {"key": importer.natural_key}]
    )
    guide.append(
        [
            _("3. 不接受公式；文件须为 .xlsx，大小不超过 %(size)s，最多 %(rows)d 行。")
            % {"size": _mb(MAX_UPLOAD_BYTES), "rows": importer.max_rows}
        ]
    )
    guide.append([_("4. 先上传校验（不写入数据），预览无误后再确认导入；任何一行有错，整批都不会导入。")])
    guide.append([])
    guide.append([_("列名"), _("必填"), _("格式"), _("示例"), _("说明")])
    for cell in guide[guide.max_row]:
        cell.font = Font(bold=True)
    for column in importer.columns:
        guide.append(
            [
                str(column.header),
                _("是") if column.required else _("否"),
                _format_hint(column),
                safe_text(str(column.example)) if column.example != "" else "",
                str(column.help),
            ]
        )
    for letter, width in zip("ABCDE", (18, 8, 40, 22, 50), strict=True):
        guide.column_dimensions[letter].width = width

    if any(lists.values()):
        codes = workbook.create_sheet(_("代码表"), 2)
        col = 1
        for list_name, items in lists.items():
            if not items:
                continue
            header = next((str(c.header) for c in importer.columns if c.list_name == list_name), list_name)
            codes.cell(row=1, column=col, value=header).font = Font(bold=True)
            codes.cell(row=1, column=col + 1, value=_("名称")).font = Font(bold=True)
            for row_number, (code, description) in enumerate(items, start=2):
                codes.cell(row=row_number, column=col, value=safe_text(str(code)))
                codes.cell(row=row_number, column=col + 1, value=safe_text(str(description)))
            codes.column_dimensions[get_column_letter(col)].width = 14
            codes.column_dimensions[get_column_letter(col + 1)].width = 30
            col += 3
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def build_export(importer: Importer, rows: Iterable[Mapping[str, Any]]) -> bytes:
    """The unit's rows in the template's columns (write-only mode: constant memory)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(importer.sheet_name)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(importer.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    header = []
    for column in importer.columns:
        cell = WriteOnlyCell(sheet, value=str(column.header))
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
        header.append(cell)
    sheet.append(header)
    columns = importer.columns
    for row in rows:
        values = []
        for column in columns:
            value = export_value(column, row.get(column.key))
            if isinstance(value, date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                values.append(cell)
            else:
                values.append(value)
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
