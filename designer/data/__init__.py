"""Data: the catalogue, CSV/NPZ reading, cleaning and preparation into `PreparedData`, EDA summaries."""

from designer.data.catalogue import BUILTIN_DATASETS, GENERATED_DEFAULTS, DatasetInfo
from designer.data.explore import class_balance, correlation, histogram, numeric_columns, summarize
from designer.data.generated import generate
from designer.data.prepare import prepare_data, prepare_table, resolve_config
from designer.data.prepared import PreparedData
from designer.data.preprocess import Preprocessor
from designer.data.reader import CsvInfo, read_csv, read_npz, sniff_csv
from designer.data.sources import load_table, load_table_with_info, resolve_path

__all__ = [
    "BUILTIN_DATASETS", "GENERATED_DEFAULTS", "DatasetInfo", "PreparedData", "Preprocessor", "CsvInfo",
    "prepare_data", "prepare_table", "resolve_config", "load_table", "load_table_with_info", "resolve_path", "generate",
    "read_csv", "read_npz", "sniff_csv", "summarize", "class_balance", "histogram", "correlation",
    "numeric_columns",
]
