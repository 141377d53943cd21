"""The NAS-Bench-101 ``ModelMetrics`` protobuf message, built at runtime.

Same messages, field numbers and types as ``nasbench/lib/model_metrics.proto`` of the
official ``nasbench`` library (proto2, package ``nasbench``), declared here with the
protobuf descriptor API in a private pool, so no generated code is needed.

Example:
    >>> ModelMetrics = model_metrics_class()
    >>> msg = ModelMetrics(trainable_parameters=3)
    >>> ModelMetrics.FromString(msg.SerializeToString()).trainable_parameters
    3
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

__all__ = ["model_metrics_class"]


@lru_cache(maxsize=1)
def model_metrics_class() -> Any:
    """The ``nasbench.ModelMetrics`` message class."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    field = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(
        name="nasbench_kit/nasbench/model_metrics.proto", package="nasbench", syntax="proto2"
    )
    metrics = proto.message_type.add(name="ModelMetrics")
    metrics.field.add(name="evaluation_data", number=1, label=field.LABEL_REPEATED, type=field.TYPE_MESSAGE,
                      type_name=".nasbench.EvaluationData")
    metrics.field.add(name="trainable_parameters", number=2, label=field.LABEL_OPTIONAL, type=field.TYPE_INT32)
    metrics.field.add(name="total_time", number=3, label=field.LABEL_OPTIONAL, type=field.TYPE_DOUBLE)
    evaluation = proto.message_type.add(name="EvaluationData")
    for number, name in enumerate(
        ("current_epoch", "training_time", "train_accuracy", "validation_accuracy", "test_accuracy"), start=1
    ):
        evaluation.field.add(name=name, number=number, label=field.LABEL_OPTIONAL, type=field.TYPE_DOUBLE)
    evaluation.field.add(name="checkpoint_path", number=6, label=field.LABEL_OPTIONAL, type=field.TYPE_STRING)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("nasbench.ModelMetrics"))
