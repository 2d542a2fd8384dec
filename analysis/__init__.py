"""Untact answer analysis: transcript, pace, pauses, fillers, gaze and content of a recorded answer.

A library: it takes paths, numpy arrays and explicit options and returns frozen dataclasses. It
imports nothing from ``server``/``media`` and no web, database or WebRTC package.

    from analysis import AnalysisOptions, analyze_file
    report = analyze_file("answer.webm", AnalysisOptions(question_text="Tell me about a project you led."))
    print(report.scores.overall.score, report.to_json())
"""

from .errors import AnalysisError
from .models import ModelPool, load_transcriber
from .options import AnalysisOptions
from .pipeline import IncrementalAnalysis, LiveMetrics, analyze_file
from .report import Report

__all__ = [
    "AnalysisError",
    "AnalysisOptions",
    "IncrementalAnalysis",
    "LiveMetrics",
    "ModelPool",
    "Report",
    "analyze_file",
    "load_transcriber",
]
