import subprocess
import sys

HEAVY = (
    "torch",
    "transformers",
    "vllm",
    "httpx",
    "sentence_transformers",
    "onnxruntime",
    "langchain_core",
    "llama_index",
    "nemoguardrails",
    "fastapi",
    "trl",
    "datasets",
    "matplotlib",
)


def test_import_proguard_core_loads_no_heavy_dependency():
    code = (
        "import sys, proguard_core, proguard_core.cli, proguard_core.prompts, proguard_core.parser;"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_listing_the_commands_loads_no_heavy_dependency():
    # `proguard --help` loads every registered command; each imports its stack only when it runs.
    code = (
        "import sys; from proguard_core.cli import load_command, registered_commands;"
        "[load_command(e) for e in registered_commands().values()];"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
