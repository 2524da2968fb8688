"""LLM-as-judge: anchored rubrics, cached and fault-tolerant judging, pairwise mode, calibration."""

from mella_bench.judge.engine import JudgeConfig, JudgeInput, JudgmentStore, judgment_key, run_judge
from mella_bench.judge.parse import PARSER_VERSION, parse_verdict
from mella_bench.judge.pointwise import format_summary, judge_rows, judge_run, judge_score_rows, judge_summary
from mella_bench.judge.rubric import RUBRIC_IDS, Rubric, get_rubric, load_rubric

__all__ = ["JudgeConfig", "JudgeInput", "JudgmentStore", "PARSER_VERSION", "RUBRIC_IDS", "Rubric", "format_summary",
           "get_rubric", "judge_rows", "judge_run", "judge_score_rows", "judge_summary", "judgment_key", "load_rubric",
           "parse_verdict", "run_judge"]
