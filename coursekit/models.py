"""``coursekit.models`` is :mod:`coursekit.deep`: the networks, losses and training of the deep chapters under the
name the notebooks use (``from coursekit import models``; ``models.UNet``, ``models.train_segmenter``, ...).

Importing this module gives the package :mod:`coursekit.deep` itself, the same module object under a second name
(``models.UNet is coursekit.deep.UNet``), not a copy of its names: so an exercise that forbids calling
``coursekit.models`` forbids every network, loss and training function of the package, in whichever of its modules
it is defined. (For the same reason pytest's ``--doctest-modules`` collects ``coursekit/deep``, not this file: it
refuses a file whose module is another's.)
"""

import sys

from . import deep

sys.modules[__name__] = deep
