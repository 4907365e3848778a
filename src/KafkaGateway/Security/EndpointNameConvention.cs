using Microsoft.AspNetCore.Mvc.ApplicationModels;

namespace KafkaGateway.Security;

/// <summary>
/// Names every controller action's endpoint <c>{Controller}.{Action}</c> (e.g. <c>Topics.CreateTopic</c>) unless
/// it has a route name already: the stable handle <c>Security:Authorization:Endpoints</c> overrides bind to, instead
/// of path strings.
/// </summary>
internal sealed class EndpointNameConvention : IApplicationModelConvention
{
    public void Apply(ApplicationModel application)
    {
        ArgumentNullException.ThrowIfNull(application);
        foreach (var controller in application.Controllers)
        {
            foreach (var action in controller.Actions)
            {
                var attributeRouted = controller.Selectors.Any(s => s.AttributeRouteModel is not null);
                foreach (var selector in action.Selectors)
                {
                    if (selector.AttributeRouteModel is null && attributeRouted)
                    {
                        // [HttpPost] without a template: the controller's [Route] is the whole template; the name is the action's.
                        selector.AttributeRouteModel = new AttributeRouteModel();
                    }

                    if (selector.AttributeRouteModel is { Name: null } route)
                    {
                        route.Name = $"{controller.ControllerName}.{action.ActionName}";
                    }
                }
            }
        }
    }
}
