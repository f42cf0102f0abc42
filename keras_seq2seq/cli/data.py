"""`keras-seq2seq data`: a task's split written as TSV (captioning: as a folder of images), or a corpus's stats.

The tasks, their splits and how to write them come from the registry, `data/tasks.py`.

Example:
>>> from keras_seq2seq.cli import main
>>> main(["data", "addition", "--count", "2", "--split", "train"])
850+277	1127
636+815	1451
0
"""

from keras_seq2seq.data.tasks import COMMAND_TASKS, TASKS
from keras_seq2seq.errors import InputError


def add_commands(commands):
    every_split = list(dict.fromkeys(split for task in TASKS for split in task.splits))  # in order, once each
    data = commands.add_parser("data", help="write task pairs as TSV")
    data.add_argument("task", choices=list(COMMAND_TASKS))
    data.add_argument("--count", type=int,
                      help="number of pairs (default 10000; dialogue, g2p, translation, chitchat: at most this many "
                      "of the corpus's pairs, default all; no --seed)")
    data.add_argument("--seed", type=int, default=0)
    data.add_argument("--split", choices=every_split,
                      help="train or held_out (the default); g2p: train, dev (the default) or test; "
                      "translation and chitchat: train, dev or test (the default)")
    data.add_argument("--output", default="-", help="TSV file to write, - for standard output "
                      "(captioning: a folder for the PNG scenes and captions.tsv)")
    data.add_argument("--stats", action="store_true", help="translation, chitchat: print how many pairs the corpus "
                      "gives, what each filter leaves out and each split keeps, instead of writing pairs")
    data.set_defaults(run=run_data)


def run_data(args):
    task = COMMAND_TASKS[args.task]
    split = args.split or task.default_split
    if split not in task.splits:
        raise InputError(f"the {args.task} task's splits are {', '.join(task.splits)}, not {split}")
    if args.stats:
        return print_stats(args.task)
    task.write(args.output, split, task.default_count if args.count is None else args.count, args.seed)


def print_stats(name):
    """Prints the report of the task `keras-seq2seq data` calls `name`; an `InputError` if it has none."""
    reporting = [command_name for command_name, task in COMMAND_TASKS.items() if task.report]
    if name not in reporting:
        raise InputError(f"--stats is for the corpus tasks ({', '.join(reporting)}), not {name}")
    print("\n".join(COMMAND_TASKS[name].report()))
