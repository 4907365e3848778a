using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ModelBinding.Validation;

namespace KafkaGateway.Http;

/// <summary>
/// MVC's object validator, minus the per-parameter validation visitor for values that have no validators at all
/// (the produce action's route, query and header values and its <c>JsonElement</c> body: ~5 visitors per request).
/// For such a value the visitor would only mark its model-state entries valid; this does the same without allocating.
/// Anything with a validator (data annotations, implicit <c>[Required]</c> of non-nullable members) is validated by
/// MVC's visitor as before, so the automatic 400 for invalid models is unchanged.
/// </summary>
internal sealed class GatewayObjectModelValidator(IModelMetadataProvider metadataProvider, MvcOptions options)
    : ObjectModelValidator(metadataProvider, options.ModelValidatorProviders)
{
    /// <inheritdoc />
    public override void Validate(ActionContext actionContext, ValidationStateDictionary? validationState, string? prefix,
        object? model, ModelMetadata metadata, object? container)
    {
        var modelState = actionContext.ModelState;
        if (metadata is { HasValidators: false } && modelState.GetFieldValidationState(prefix ?? string.Empty) != ModelValidationState.Invalid)
        {
            foreach (var entry in modelState.FindKeysWithPrefix(prefix ?? string.Empty))
            {
                if (entry.Value.ValidationState == ModelValidationState.Unvalidated)
                {
                    entry.Value.ValidationState = ModelValidationState.Valid;
                }
            }

            return;
        }

        base.Validate(actionContext, validationState, prefix, model, metadata, container);
    }

    /// <inheritdoc />
    public override ValidationVisitor GetValidationVisitor(ActionContext actionContext, IModelValidatorProvider validatorProvider,
        ValidatorCache validatorCache, IModelMetadataProvider metadataProvider, ValidationStateDictionary? validationState) =>
        new(actionContext, validatorProvider, validatorCache, metadataProvider, validationState)
        {
            MaxValidationDepth = options.MaxValidationDepth,
            ValidateComplexTypesIfChildValidationFails = options.ValidateComplexTypesIfChildValidationFails,
        };
}
