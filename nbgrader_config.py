# nbgrader reads this file when it runs from the repository root (`make lab`, `coursekit`): the course is autograder/.
c = get_config()  # noqa: F821
load_subconfig("autograder/nbgrader_config.py")  # noqa: F821
