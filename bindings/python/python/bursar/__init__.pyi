"""Type stubs for ``bursar`` (the native module ``bursar._native``)."""

import datetime
import decimal
import os

import pyarrow
from typing import Any, Dict, List, Literal, Mapping, Optional, TypedDict, Union

_Path = Union[str, "os.PathLike[str]"]

#: A value an applicant's field may be given: text, an int, a bool,
#: a ``datetime.date``, a ``decimal.Decimal`` amount, a list of records.
ApplicantValue = Union[
    None, bool, int, str, datetime.date, decimal.Decimal, List[Any], Mapping[str, Any]
]

class Problem(TypedDict):
    """One problem of an applicant, as ``bursar eval --applicants`` reports it."""

    field: Optional[str]
    pointer: Optional[str]
    message: str

class Award(TypedDict):
    category: Optional[str]
    amount: decimal.Decimal
    row: Optional[str]

class CategoryDecision(TypedDict):
    eligible: bool
    amount: Optional[decimal.Decimal]
    reason: Optional[str]

class Decision(TypedDict, total=False):
    """What ``bursar eval --format json`` prints, with money as
    ``decimal.Decimal`` and dates as ``datetime.date``.

    ``rounds``, ``payers``, ``quota`` and ``rank`` appear only for schemes
    with rounds, payers or quotas.
    """

    scheme: str
    applicant: Optional[str]
    outcome: str
    paid: decimal.Decimal
    awards: List[Award]
    categories: Dict[str, CategoryDecision]
    application: Optional[Dict[str, Union[str, datetime.date, None]]]
    schedule: Dict[str, Optional[datetime.date]]
    summary: str
    errors: List[str]
    rounds: Dict[str, Dict[str, Any]]
    payers: Dict[str, decimal.Decimal]
    quota: str
    rank: int

class InputError(ValueError):
    """An applicant refused; ``problems`` lists every problem."""

    problems: List[Problem]

class BundleError(ValueError):
    """A bundle or policy that cannot be loaded; ``problems`` lists every
    reason (each error diagnostic of a policy, as ``bursar check`` prints it)."""

    problems: List[str]

class SimulationError(ValueError):
    """A simulation that stopped: a row that breaks the data contract, a
    total too large to give, or a scheme this function cannot run yet."""

class Bundle:
    """A scheme loaded once and checked whole: decides and explains applicants."""

    @staticmethod
    def load(path: _Path) -> Bundle:
        """Reads a bundle written by ``bursar compile``; raises ``BundleError``
        for a tampered, truncated or newer one."""
    @staticmethod
    def from_policy(path: _Path) -> Bundle:
        """Compiles a ``.bursar`` policy (with the policies it extends);
        raises ``BundleError`` with every error diagnostic."""
    @property
    def id(self) -> str:
        """The scheme's identifier (``beijing_career_boost_2023``)."""
    @property
    def hash(self) -> str:
        """``sha256:`` and the digest of the scheme: which rules decided."""
    @property
    def identifier(self) -> Optional[str]:
        """The field that names a person (``person_id``), or ``None``."""
    def input_schema(self) -> Dict[str, Any]:
        """The JSON Schema of one applicant (``bursar compile --input-schema``)."""
    def decide(self, applicant: Mapping[str, ApplicantValue]) -> Decision:
        """The decision for one applicant; raises ``InputError`` with every problem."""
    def explain(self, applicant: Mapping[str, ApplicantValue]) -> Dict[str, Any]:
        """The full explanation (``bursar explain --format json``), in words."""
    def decide_batch(self, table: Any) -> "pyarrow.Table":
        """Every row of an Arrow table decided, the GIL released.

        ``table`` is a ``pyarrow.Table`` or ``RecordBatch``, or anything with
        ``__arrow_c_stream__`` (pandas and polars DataFrames); columns named
        as the applicant's fields are read, others ignored. Returns
        ``id``, ``outcome``, ``category``, ``amount`` (``decimal128(38, 2)``)
        and ``reason`` (the line of the explanation that decided), one row per
        row in order; a refused row has outcome ``skipped``, no amount, and
        every problem as its reason. A column of a type with no applicant
        value (a timestamp) raises ``TypeError``."""

def simulate(
    policy: _Path,
    population: _Path,
    *,
    on_bad_row: Literal["fail", "skip"] = "fail",
    map: Optional[Mapping[str, str]] = None,
    encoding: Optional[str] = None,
    sheet: Optional[str] = None,
) -> Dict[str, Any]:
    """The report of a scheme (a bundle or a ``.bursar`` policy) over a
    population (CSV, ``.xlsx`` or ``.parquet``), exactly as ``bursar
    simulate --format json`` prints it. ``map`` reads a field from a column
    of another name (``{"voc_level": "证书等级"}``, as ``--map``),
    ``encoding`` reads CSV in another encoding (``"gbk"``, ``"gb18030"``),
    ``sheet`` names a workbook's sheet. An unknown encoding raises
    ``ValueError``; a population that cannot be read raises
    ``SimulationError``."""
